using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xmpp.Common.Pki;

namespace Xmpp.C2s.Tls;

/// <summary>
/// The certificate offered in TLS: the configured PKCS#12 file, or a self-signed one made at
/// start. The file's other certificates are the chain sent after it (intermediates, leaf's issuer
/// first; a self-signed root is left out, RFC 8446 §4.4.2).
/// </summary>
public static class ServerCertificate
{
    public static X509Certificate2 Load(C2sOptions options) => LoadWithChain(options).Certificate;

    /// <summary>The certificate (with its private key) and the intermediates to send after it.</summary>
    public static (X509Certificate2 Certificate, X509Certificate2Collection Chain) LoadWithChain(C2sOptions options)
    {
        if (string.IsNullOrEmpty(options.CertificatePath)) return (CreateSelfSigned(options.Domain), []);
        var all = X509CertificateLoader.LoadPkcs12CollectionFromFile(options.CertificatePath, options.CertificatePassword);
        var leaf = all.FirstOrDefault(c => c.HasPrivateKey)
                   ?? throw new CryptographicException($"{options.CertificatePath} holds no certificate with a private key");
        return (leaf, ChainOf(leaf, all));
    }

    /// <summary>The certificates of <paramref name="candidates"/> that certify <paramref name="leaf"/>, issuer first, without a self-signed root.</summary>
    public static X509Certificate2Collection ChainOf(X509Certificate2 leaf, IEnumerable<X509Certificate2> candidates)
    {
        var chain = new X509Certificate2Collection();
        var pool = candidates.Where(c => !c.Equals(leaf)).ToList();
        var current = leaf;
        while (pool.FirstOrDefault(c => c.SubjectName.RawData.AsSpan().SequenceEqual(current.IssuerName.RawData)) is { } issuer)
        {
            pool.Remove(issuer);
            if (issuer.SubjectName.RawData.AsSpan().SequenceEqual(issuer.IssuerName.RawData)) break; // the root: the client has it
            chain.Add(issuer);
            current = issuer;
        }
        return chain;
    }

    public static X509Certificate2 CreateSelfSigned(string domain) => SelfSignedServerCertificate.Create([domain]);
}
