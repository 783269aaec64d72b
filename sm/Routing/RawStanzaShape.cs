using System.Text;

namespace Xmpp.Sm.Routing;

/// <summary>
/// The check a hinted packet gets before sm routes it unparsed. c2s serialized those bytes from
/// a tree it had parsed, so they are well-formed by construction; this only makes sure they are
/// one whole element of the hinted kind (not cut short, not something else), at no real cost.
/// Anything failing it takes the parsing path, where a malformed stanza is dropped.
/// </summary>
public static class RawStanzaShape
{
    private static readonly byte[] Message = Encoding.ASCII.GetBytes("message");
    private static readonly byte[] Presence = Encoding.ASCII.GetBytes("presence");

    public static bool IsWhole(ReadOnlySpan<byte> utf8, string kind)
    {
        var name = kind switch { "message" => Message, "presence" => Presence, _ => null };
        if (name is null || utf8.Length < name.Length + 3 || utf8[0] != (byte)'<' || !utf8[1..].StartsWith(name)) return false;
        var afterName = utf8[1 + name.Length];
        if (afterName is not ((byte)' ' or (byte)'/' or (byte)'>')) return false;
        if (utf8.EndsWith("/>"u8)) return true; // <message .../> (empty element)
        // <message ...> ... </message>
        if (utf8.Length < 2 * name.Length + 5) return false;
        var closing = utf8[^(name.Length + 3)..];
        return closing.StartsWith("</"u8) && closing[2..^1].SequenceEqual(name) && closing[^1] == (byte)'>';
    }
}
