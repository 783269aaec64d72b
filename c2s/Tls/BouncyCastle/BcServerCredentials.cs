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
/// handshake: the certificate as a <see cref="TlsCertificate"/>, its chain messages for TLS 1.2 and
/// 1.3, the private key (ECDSA or RSA, as <see cref="ServerCertificate"/> loads it) and one
/// <see cref="BcTlsCrypto"/> (thread-safe: its random source is).
/// </summary>
public sealed class BcServerCredentials
{
    public BcServerCredentials(X509Certificate2 certificate)
    {
        Crypto = new BcTlsCrypto(new SecureRandom());
        var leaf = Crypto.CreateCertificate(certificate.RawData);
        Chain12 = new Certificate([leaf]);
        Chain13 = new Certificate(TlsUtilities.EmptyBytes, [new CertificateEntry(leaf, null)]);
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
