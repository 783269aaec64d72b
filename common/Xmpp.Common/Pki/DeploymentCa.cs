using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Xmpp.Common.Pki;

/// <summary>
/// The deployment's own certificate authority, made and used with .NET's CertificateRequest
/// (ECDSA P-256, SHA-256): a self-signed CA, the router's server certificate and one client
/// certificate per component naming its <see cref="ComponentIdentity"/>. Nothing here is trusted
/// through the system store; peers trust exactly this CA (<see cref="CaTrust"/>).
/// </summary>
public sealed class DeploymentCa : IDisposable
{
    public const string Organization = "xmpp deployment";
    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    public static readonly TimeSpan CaLifetime = TimeSpan.FromDays(3650);
    public static readonly TimeSpan LeafLifetime = TimeSpan.FromDays(825);

    /// <summary>The CA certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    private DeploymentCa(X509Certificate2 certificate) => Certificate = certificate;

    /// <summary>A new self-signed CA.</summary>
    public static DeploymentCa Create(string name = "xmpp deployment CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName(Organization);
        subject.AddCommonName(name);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return new DeploymentCa(request.CreateSelfSigned(now.AddMinutes(-5), now.Add(CaLifetime)));
    }

    /// <summary>An existing CA (certificate with its private key).</summary>
    public static DeploymentCa Load(X509Certificate2 certificateWithKey) =>
        certificateWithKey.HasPrivateKey ? new DeploymentCa(certificateWithKey)
            : throw new ArgumentException("the CA certificate has no private key", nameof(certificateWithKey));

    /// <summary>The router's server certificate: CN=router, the given DNS names and IP addresses as SANs.</summary>
    public X509Certificate2 IssueServer(IEnumerable<string> names)
    {
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName(Organization);
        subject.AddCommonName("router");
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var ip)) san.AddIpAddress(ip);
            else san.AddDnsName(name);
        }
        return Issue(subject.Build(), ServerAuthOid, san.Build());
    }

    /// <summary>A component's client certificate (subject OU = role, CN = role/name).</summary>
    public X509Certificate2 IssueClient(ComponentIdentity identity) => Issue(identity.Subject(), ClientAuthOid, null);

    private X509Certificate2 Issue(X500DistinguishedName subject, string usageOid, X509Extension? san)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usageOid)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        if (san is not null) request.CertificateExtensions.Add(san);
        var now = DateTimeOffset.UtcNow;
        var notAfter = now.Add(LeafLifetime) < Certificate.NotAfter ? now.Add(LeafLifetime) : new DateTimeOffset(Certificate.NotAfter);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f; // a positive serial number
        using var issued = request.Create(Certificate, now.AddMinutes(-5), notAfter, serial);
        return issued.CopyWithPrivateKey(key);
    }

    public void Dispose() => Certificate.Dispose();
}
