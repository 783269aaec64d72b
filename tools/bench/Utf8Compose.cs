using System.Buffers.Text;

namespace Xmpp.Bench;

/// <summary>Writing a stanza's bytes into a buffer without allocating: the senders of the messages and groupchat scenarios compose each message this way.</summary>
internal static class Utf8Compose
{
    public static void Put(Span<byte> dest, ref int w, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(dest[w..]);
        w += bytes.Length;
    }

    public static void Num(Span<byte> dest, ref int w, long value)
    {
        Utf8Formatter.TryFormat(value, dest[w..], out var written);
        w += written;
    }
}
