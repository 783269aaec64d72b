using System.Security.Cryptography;
using System.Text;

namespace Xmpp.C2s.Sasl;

/// <summary>
/// The resource XEP-0386 §"Resource identifier generation" asks for: the client's tag, '/', and a
/// server-chosen part. With a SASL2 &lt;user-agent id=.../&gt;, that part is stable (the same for
/// the same account, id and tag, on every c2s), so a reconnecting client gets its resource back
/// and replaces its old session; it is a truncated SHA-256 over the three, so the id itself is
/// never revealed (the XEP forbids exposing it). Without an id it is random.
/// </summary>
public static class Bind2Resource
{
    /// <summary>Bytes of the server-chosen part (hex: twice as many characters).</summary>
    public const int IdBytes = 8;

    public static string For(string? tag, string bareJid, string? userAgentId)
    {
        var id = string.IsNullOrEmpty(userAgentId)
            ? RandomNumberGenerator.GetBytes(IdBytes)
            : SHA256.HashData(Encoding.UTF8.GetBytes($"xmpp-bind2\0{bareJid}\0{userAgentId}\0{tag}"))[..IdBytes];
        var part = Convert.ToHexString(id).ToLowerInvariant();
        return string.IsNullOrEmpty(tag) ? part : tag + "/" + part;
    }
}
