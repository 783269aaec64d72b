using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xmpp.Common.Pki;

namespace Xmpp.Integration.Tests.Harness;

/// <summary>The XEP-0363 upload service (upload/), started on demand beside a cluster (issue 21).</summary>
public sealed partial class Cluster
{
    public const string UploadDomain = "upload." + Domain;

    /// <summary>The upload service's HTTPS port, once <see cref="StartUploadAsync"/> ran.</summary>
    public int UploadPort { get; private set; }

    public ServerProcess? Upload { get; private set; }

    /// <summary>The HTTPS endpoint's certificate (self-signed for 127.0.0.1 and localhost, made by the harness): the one a test's HTTP client trusts.</summary>
    public X509Certificate2? UploadCertificate { get; private set; }

    /// <summary>That certificate as PEM, for a client that reads its trust from a file (SSL_CERT_FILE).</summary>
    public string UploadCertificatePem => Path.Combine(DataDirectory, "upload-https.pem");

    /// <summary>
    /// Starts the upload service bound as <see cref="UploadDomain"/> (its link certificate issued in the
    /// cluster's PKI), HTTPS on a free loopback port with URLs on https://127.0.0.1:&lt;port&gt;, its data
    /// under the cluster's directory; <paramref name="settings"/> (--Upload:Key=value) come last and win.
    /// Returns when it logged READY (bound on the router).
    /// </summary>
    public async Task<ServerProcess> StartUploadAsync(params string[] settings)
    {
        UploadPort = FreePort.Pick();
        lock (_metricsPorts) _metricsPorts["upload"] = FreePort.Pick();
        var pfx = Path.Combine(DataDirectory, "upload-https.pfx");
        if (UploadCertificate is null)
        {
            UploadCertificate = HttpsCertificate();
            await File.WriteAllBytesAsync(pfx, UploadCertificate.Export(X509ContentType.Pkcs12));
            await File.WriteAllTextAsync(UploadCertificatePem, UploadCertificate.ExportCertificatePem());
        }
        Upload = await StartProcessAsync("upload", RepoPaths.Upload,
        [
            $"--Component:Domain={UploadDomain}", $"--Component:ServerDomain={Domain}",
            $"--Router:Address={RouterAddress}", .. Pki.ComponentArgs(PkiLayout.Component(UploadDomain)),
            $"--Upload:DataDirectory={Path.Combine(DataDirectory, "upload")}",
            "--Upload:Http:ListenAddress=127.0.0.1", $"--Upload:Http:Port={UploadPort}", $"--Upload:Http:PublicUrl=https://127.0.0.1:{UploadPort}",
            $"--Upload:Http:CertificatePath={pfx}",
            .. settings,
        ]);
        return Upload;
    }

    private static X509Certificate2 HttpsCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(7));
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), null);
    }
}
