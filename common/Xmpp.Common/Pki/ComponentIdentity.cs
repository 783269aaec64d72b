using System.Security.Cryptography.X509Certificates;

namespace Xmpp.Common.Pki;

/// <summary>
/// Who is on the other end of a link, as its certificate says: the role (subject OU) and the
/// name (subject CN, "role/name": "c2s/c2s-1", "sm/localhost", "admin/xmppctl").
/// For c2s and sm the CN is also the one router address the component may bind.
/// </summary>
public sealed record ComponentIdentity(ComponentRole Role, string Name)
{
    /// <summary>The subject CN written into the certificate: "c2s/c2s-1".</summary>
    public string CommonName => $"{Role.Name()}/{Name}";

    public override string ToString() => CommonName;

    /// <summary>The subject of a certificate for this identity.</summary>
    public X500DistinguishedName Subject()
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddOrganizationName(DeploymentCa.Organization);
        builder.AddOrganizationalUnitName(Role.Name());
        builder.AddCommonName(CommonName);
        return builder.Build();
    }

    /// <summary>
    /// Reads the identity from a certificate (one that already chains to the deployment CA):
    /// exactly one OU naming a role, and a CN "role/name" agreeing with it. Null otherwise.
    /// </summary>
    public static ComponentIdentity? FromCertificate(X509Certificate2 certificate)
    {
        string? ou = null, cn = null;
        int ous = 0, cns = 0;
        foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            var oid = rdn.GetSingleElementType().Value;
            if (oid == "2.5.4.11") { ou = rdn.GetSingleElementValue(); ous++; }
            else if (oid == "2.5.4.3") { cn = rdn.GetSingleElementValue(); cns++; }
        }
        if (ous != 1 || cns != 1 || !ComponentRoles.TryParse(ou, out var role) || cn is null) return null;
        var prefix = role.Name() + "/";
        if (!cn.StartsWith(prefix, StringComparison.Ordinal) || cn.Length == prefix.Length) return null;
        return new ComponentIdentity(role, cn[prefix.Length..]);
    }
}
