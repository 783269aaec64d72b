using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Xmpp.Common.Pki;

/// <summary>
/// Certificates and keys as PEM files. A private key is written to a new file readable by its
/// owner only (0600 on Unix, set when the file is created); keys are never logged.
/// </summary>
public static class PemFiles
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void WriteCertificate(string path, X509Certificate2 certificate) =>
        File.WriteAllText(path, certificate.ExportCertificatePem() + "\n");

    /// <summary>Writes the certificate's private key (PKCS#8 PEM) to a file only its owner can read.</summary>
    public static void WritePrivateKey(string path, X509Certificate2 certificate)
    {
        using var key = certificate.GetECDsaPrivateKey() as AsymmetricAlgorithm ?? certificate.GetRSAPrivateKey()
            ?? throw new ArgumentException("the certificate has no private key", nameof(certificate));
        var pem = key.ExportPkcs8PrivateKeyPem() + "\n";
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnly;
        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(pem);
    }

    /// <summary>A certificate without key (a CA to trust).</summary>
    public static X509Certificate2 LoadCertificate(string path)
    {
        Require(path, "certificate");
        return X509Certificate2.CreateFromPem(File.ReadAllText(path));
    }

    /// <summary>
    /// A certificate with its private key, ready for TLS (re-imported through PKCS#12 so the key is
    /// usable by the platform's TLS stack). <paramref name="keyPath"/> defaults to the certificate's
    /// path with the extension .key.
    /// </summary>
    public static X509Certificate2 LoadWithKey(string certificatePath, string? keyPath = null)
    {
        keyPath = string.IsNullOrEmpty(keyPath) ? DefaultKeyPath(certificatePath) : keyPath;
        Require(certificatePath, "certificate");
        Require(keyPath, "private key");
        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    public static string DefaultKeyPath(string certificatePath) => Path.ChangeExtension(certificatePath, ".key");

    private static void Require(string path, string what)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{what} file {path} does not exist", path);
    }
}
