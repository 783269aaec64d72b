using System.Buffers.Binary;
using System.Net.Security;
using System.Security.Cryptography;
using System.Text;

namespace Xmpp.C2s.Tls;

/// <summary>
/// A TLS 1.3 cipher suite's record protection parameters and its key schedule steps after the
/// handshake (RFC 8446 §7.1-7.3): HKDF-Expand-Label, the traffic key and IV of a traffic secret,
/// and the next secret of a KeyUpdate.
/// </summary>
internal sealed class Tls13CipherSuite
{
    public static readonly Tls13CipherSuite Aes128GcmSha256 = new(TlsCipherSuite.TLS_AES_128_GCM_SHA256, HashAlgorithmName.SHA256, 32, 16, chaCha: false);
    public static readonly Tls13CipherSuite Aes256GcmSha384 = new(TlsCipherSuite.TLS_AES_256_GCM_SHA384, HashAlgorithmName.SHA384, 48, 32, chaCha: false);
    public static readonly Tls13CipherSuite ChaCha20Poly1305Sha256 = new(TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256, HashAlgorithmName.SHA256, 32, 32, chaCha: true);

    public const int IvLength = 12;
    public const int TagLength = 16;

    private Tls13CipherSuite(TlsCipherSuite id, HashAlgorithmName hash, int hashLength, int keyLength, bool chaCha)
    {
        Id = id;
        Hash = hash;
        HashLength = hashLength;
        KeyLength = keyLength;
        ChaCha = chaCha;
    }

    public TlsCipherSuite Id { get; }
    public HashAlgorithmName Hash { get; }
    public int HashLength { get; }
    public int KeyLength { get; }

    /// <summary>ChaCha20-Poly1305 rather than AES-GCM.</summary>
    public bool ChaCha { get; }

    /// <summary>The suite for a negotiated TLS 1.3 cipher suite, or null (not one this layer protects with).</summary>
    public static Tls13CipherSuite? For(TlsCipherSuite suite) => suite switch
    {
        TlsCipherSuite.TLS_AES_128_GCM_SHA256 => Aes128GcmSha256,
        TlsCipherSuite.TLS_AES_256_GCM_SHA384 => Aes256GcmSha384,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256 when ChaCha20Poly1305.IsSupported => ChaCha20Poly1305Sha256,
        _ => null,
    };

    /// <summary>HKDF-Expand-Label(secret, label, "", length) (RFC 8446 §7.1).</summary>
    public byte[] ExpandLabel(ReadOnlySpan<byte> secret, string label, int length)
    {
        // struct { uint16 length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255>; } HkdfLabel
        var labelBytes = Encoding.ASCII.GetBytes("tls13 " + label);
        Span<byte> info = stackalloc byte[2 + 1 + labelBytes.Length + 1];
        BinaryPrimitives.WriteUInt16BigEndian(info, (ushort)length);
        info[2] = (byte)labelBytes.Length;
        labelBytes.CopyTo(info[3..]);
        info[^1] = 0;
        var output = new byte[length];
        HKDF.Expand(Hash, secret, output, info);
        return output;
    }

    /// <summary>The write key and IV of a traffic secret (RFC 8446 §7.3).</summary>
    public (byte[] Key, byte[] Iv) TrafficKeys(ReadOnlySpan<byte> secret) =>
        (ExpandLabel(secret, "key", KeyLength), ExpandLabel(secret, "iv", IvLength));

    /// <summary>application_traffic_secret_N+1 (RFC 8446 §7.2, after a KeyUpdate).</summary>
    public byte[] NextSecret(ReadOnlySpan<byte> secret) => ExpandLabel(secret, "traffic upd", HashLength);
}
