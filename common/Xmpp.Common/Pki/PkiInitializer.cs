using System.Security.Cryptography.X509Certificates;

namespace Xmpp.Common.Pki;

/// <summary>What `xmppctl pki init` is asked to create.</summary>
public sealed record PkiRequest
{
    public IReadOnlyList<string> Domains { get; init; } = ["localhost"];
    public IReadOnlyList<string> C2sInstances { get; init; } = ["c2s-1"];
    public IReadOnlyList<string> Admins { get; init; } = [PkiLayout.AdminName];
    /// <summary>Service domains (component/&lt;domain&gt;), e.g. conference.localhost; none by default.</summary>
    public IReadOnlyList<string> Components { get; init; } = [];
    /// <summary>DNS names and IP addresses the router is reached by (its certificate's SANs).</summary>
    public IReadOnlyList<string> RouterNames { get; init; } = ["127.0.0.1", "localhost", "router"];
}

/// <summary>
/// Creates the deployment CA and the certificates of a <see cref="PkiRequest"/> in a directory,
/// each only when its file is missing (an existing CA issues the missing ones). Returns the files written.
/// </summary>
public static class PkiInitializer
{
    public static IReadOnlyList<string> Init(string directory, PkiRequest request)
    {
        Directory.CreateDirectory(directory);
        var layout = new PkiLayout(directory);
        var written = new List<string>();

        DeploymentCa ca;
        if (File.Exists(layout.CaCertificate))
        {
            if (!File.Exists(layout.CaKey))
                throw new InvalidOperationException($"{layout.CaCertificate} exists but its key {layout.CaKey} does not: cannot issue certificates");
            ca = DeploymentCa.Load(PemFiles.LoadWithKey(layout.CaCertificate, layout.CaKey));
        }
        else
        {
            ca = DeploymentCa.Create();
            PemFiles.WritePrivateKey(layout.CaKey, ca.Certificate);
            PemFiles.WriteCertificate(layout.CaCertificate, ca.Certificate);
            written.Add(layout.CaCertificate);
        }

        using (ca)
        {
            if (!File.Exists(layout.RouterCertificate) || !File.Exists(layout.RouterKey))
            {
                using var server = ca.IssueServer(request.RouterNames);
                Write(layout.RouterCertificate, layout.RouterKey, server, written);
            }
            var identities = request.C2sInstances.Select(PkiLayout.C2s)
                .Concat(request.Domains.Select(PkiLayout.Sm))
                .Concat(request.Admins.Select(a => PkiLayout.Admin(a)))
                .Concat(request.Components.Select(PkiLayout.Component));
            foreach (var identity in identities)
            {
                Validate(identity.Name);
                var (crt, key) = (layout.CertificateOf(identity), layout.KeyOf(identity));
                if (File.Exists(crt) && File.Exists(key)) continue;
                using var certificate = ca.IssueClient(identity);
                Write(crt, key, certificate, written);
            }
        }
        return written;
    }

    private static void Write(string crt, string key, X509Certificate2 certificate, List<string> written)
    {
        PemFiles.WritePrivateKey(key, certificate);
        PemFiles.WriteCertificate(crt, certificate);
        written.Add(crt);
    }

    private static void Validate(string name)
    {
        if (name.Length == 0 || name.Length > 200 || name.Any(c => c is '/' or '\\' or ',' or '=' or '+' || char.IsControl(c) || char.IsWhiteSpace(c)) || name.StartsWith('.'))
            throw new ArgumentException($"'{name}' is not usable as a component name (no slashes, commas, '=', '+' or spaces)");
    }
}
