using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Xmpp.C2s.Tls;

/// <summary>The certificate offered in STARTTLS: the configured PKCS#12 file, or a self-signed one made at start.</summary>
public static class ServerCertificate
{
    public static X509Certificate2 Load(C2sOptions options)
    {
        if (!string.IsNullOrEmpty(options.CertificatePath))
            return X509CertificateLoader.LoadPkcs12FromFile(options.CertificatePath, options.CertificatePassword);
        return CreateSelfSigned(options.Domain);
    }

    public static X509Certificate2 CreateSelfSigned(string domain)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={domain}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(domain);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        // Round-trip through PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }
}
