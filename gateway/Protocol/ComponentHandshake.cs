using System.Security.Cryptography;
using System.Text;

namespace Xmpp.Gateway.Protocol;

/// <summary>
/// XEP-0114 §3: the component proves the shared secret with
/// &lt;handshake&gt;hex(SHA-1(stream id + secret))&lt;/handshake&gt;, lower-case hex of the UTF-8 bytes.
/// The check compares in fixed time and accepts upper-case hex too.
/// </summary>
public static class ComponentHandshake
{
    public static string Compute(string streamId, string secret) =>
        Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(streamId + secret)));

    public static bool Verify(string streamId, string secret, string? presented)
    {
        var expected = Encoding.ASCII.GetBytes(Compute(streamId, secret));
        var given = Encoding.UTF8.GetBytes((presented ?? "").Trim().ToLowerInvariant());
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    /// <summary>A fresh stream id: 128 random bits, hex.</summary>
    public static string NewStreamId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
