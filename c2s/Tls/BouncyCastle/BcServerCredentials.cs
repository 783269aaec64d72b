using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace Xmpp.C2s.Tls.BouncyCastle;

/// <summary>
/// The server certificate and key in BouncyCastle's form, made once at start and shared by every
/// handshake: the certificate and its intermediates as <see cref="TlsCertificate"/>s, the chain messages for TLS 1.2 and
/// 1.3, the private key (ECDSA or RSA, as <see cref="ServerCertificate"/> loads it) and one
/// <see cref="BcTlsCrypto"/> (thread-safe: its random source is).
/// </summary>
public sealed class BcServerCredentials
{
    /// <param name="certificate">The server certificate, with its private key.</param>
    /// <param name="chain">The intermediates sent after it, its issuer first (as SslStream sends them).</param>
    public BcServerCredentials(X509Certificate2 certificate, X509Certificate2Collection? chain = null)
    {
        Crypto = new BcTlsCrypto(new SecureRandom());
        TlsCertificate[] certificates =
        [
            Crypto.CreateCertificate(certificate.RawData),
            .. (chain ?? []).Select(c => Crypto.CreateCertificate(c.RawData)),
        ];
        Chain12 = new Certificate(certificates);
        Chain13 = new Certificate(TlsUtilities.EmptyBytes, certificates.Select(c => new CertificateEntry(c, null)).ToArray());
        if (certificate.GetECDsaPrivateKey() is { } ec)
        {
            using (ec) PrivateKey = PrivateKeyFactory.CreateKey(ec.ExportPkcs8PrivateKey());
            IsEcdsa = true;
        }
        else if (certificate.GetRSAPrivateKey() is { } rsa)
        {
            using (rsa) PrivateKey = PrivateKeyFactory.CreateKey(rsa.ExportPkcs8PrivateKey());
        }
        else
        {
            throw new CryptographicException("the server certificate has no ECDSA or RSA private key");
        }
    }

    public BcTlsCrypto Crypto { get; }
    public Certificate Chain12 { get; }
    public Certificate Chain13 { get; }
    public AsymmetricKeyParameter PrivateKey { get; }

    /// <summary>True for an ECDSA key, false for RSA.</summary>
    public bool IsEcdsa { get; }
}
