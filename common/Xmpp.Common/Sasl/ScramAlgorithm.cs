using System.Security.Cryptography;
using System.Text;

namespace Xmpp.Common.Sasl;

/// <summary>The primitives of RFC 5802 for SHA-1 and SHA-256 (RFC 7677).</summary>
public sealed class ScramAlgorithm
{
    public static readonly ScramAlgorithm Sha1 = new("SCRAM-SHA-1", HashAlgorithmName.SHA1, 20);
    public static readonly ScramAlgorithm Sha256 = new("SCRAM-SHA-256", HashAlgorithmName.SHA256, 32);
    public static readonly IReadOnlyList<ScramAlgorithm> All = [Sha256, Sha1];

    public const int DefaultIterations = 4096;

    public string Mechanism { get; }
    public HashAlgorithmName Hash { get; }
    public int HashSize { get; }

    private ScramAlgorithm(string mechanism, HashAlgorithmName hash, int size)
    {
        Mechanism = mechanism;
        Hash = hash;
        HashSize = size;
    }

    public static ScramAlgorithm? ByMechanism(string mechanism) =>
        mechanism == Sha256.Mechanism ? Sha256 : mechanism == Sha1.Mechanism ? Sha1 : null;

    public byte[] SaltedPassword(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, Hash, HashSize);

    public byte[] Hmac(byte[] key, byte[] data) =>
        Hash == HashAlgorithmName.SHA1 ? HMACSHA1.HashData(key, data) : HMACSHA256.HashData(key, data);

    public byte[] Hmac(byte[] key, string data) => Hmac(key, Encoding.UTF8.GetBytes(data));

    public byte[] H(byte[] data) =>
        Hash == HashAlgorithmName.SHA1 ? SHA1.HashData(data) : SHA256.HashData(data);

    /// <summary>Derives the stored credential from a password with a fresh random salt.</summary>
    public ScramCredentialData Derive(string password, int iterations = DefaultIterations, byte[]? salt = null)
    {
        salt ??= RandomNumberGenerator.GetBytes(16);
        return FromSaltedPassword(SaltedPassword(password, salt, iterations), salt, iterations);
    }

    /// <summary>
    /// The stored credential (RFC 5802 §3: StoredKey = H(HMAC(SaltedPassword, "Client Key")),
    /// ServerKey = HMAC(SaltedPassword, "Server Key")) from a SaltedPassword made with
    /// <paramref name="salt"/> and <paramref name="iterations"/>: what a XEP-0480 SCRAM upgrade
    /// task's client sends instead of the password.
    /// </summary>
    public ScramCredentialData FromSaltedPassword(byte[] saltedPassword, byte[] salt, int iterations)
    {
        if (saltedPassword.Length != HashSize) throw new ArgumentException($"a {Mechanism} SaltedPassword has {HashSize} bytes", nameof(saltedPassword));
        var clientKey = Hmac(saltedPassword, "Client Key");
        var serverKey = Hmac(saltedPassword, "Server Key");
        return new ScramCredentialData(Mechanism, salt, iterations, H(clientKey), serverKey);
    }

    /// <summary>Fresh salted SCRAM-SHA-1 and SCRAM-SHA-256 credentials for a password: what every account stores.</summary>
    public static IReadOnlyList<ScramCredentialData> DeriveAll(string password, int iterations = DefaultIterations) =>
        [Sha1.Derive(password, iterations), Sha256.Derive(password, iterations)];

    public static byte[] Xor(byte[] a, byte[] b)
    {
        var r = new byte[a.Length];
        for (var i = 0; i < a.Length; i++) r[i] = (byte)(a[i] ^ b[i]);
        return r;
    }
}
