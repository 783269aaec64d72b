using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xmpp.Common.Pki;

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
        return SelfSignedServerCertificate.Create(names);
    }
}
