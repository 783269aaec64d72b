using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Xmpp.Upload.Http;

/// <summary>
/// The HTTPS endpoint's certificate: the configured PKCS#12 file, or, as c2s does when none is
/// configured, a self-signed one made at start for the service's domain and the public URL's host.
/// </summary>
public static class HttpsCertificate
{
    public static X509Certificate2 Load(UploadHttpOptions options, params string[] names)
    {
        if (!string.IsNullOrEmpty(options.CertificatePath))
            return X509CertificateLoader.LoadPkcs12CollectionFromFile(options.CertificatePath, options.CertificatePassword)
                       .FirstOrDefault(c => c.HasPrivateKey)
                   ?? throw new CryptographicException($"{options.CertificatePath} holds no certificate with a private key");
        return SelfSigned(names);
    }

    public static X509Certificate2 SelfSigned(IEnumerable<string> names)
    {
        var distinct = names.Where(n => n.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={distinct[0]}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in distinct)
        {
            if (IPAddress.TryParse(name, out var ip)) san.AddIpAddress(ip);
            else san.AddDnsName(name);
        }
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
