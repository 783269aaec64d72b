using System.Text;

namespace Xmpp.Common.Components;

/// <summary>
/// One serialized stanza sent to many recipients: the bytes written once without a 'to', and for
/// each recipient a copy with <c> to="..."</c> spliced in right after the element name, so a room's
/// broadcast costs one serialization, not one per occupant.
/// </summary>
public static class AddressedStanza
{
    /// <summary>The stanza <paramref name="template"/> (serialized by StanzaWriter: it starts with '&lt;' and the unprefixed <paramref name="localName"/>) addressed to <paramref name="to"/>.</summary>
    public static byte[] WithTo(ReadOnlySpan<byte> template, string localName, string to)
    {
        var nameEnd = 1 + localName.Length;
        if (template.Length <= nameEnd || template[0] != (byte)'<' || template[nameEnd] is not ((byte)' ' or (byte)'>' or (byte)'/'))
            throw new ArgumentException($"not a serialized <{localName}> stanza", nameof(template));
        var escaped = Escape(to);
        var attribute = Encoding.UTF8.GetByteCount(escaped) + 6; // ' to="' + '"'
        var bytes = new byte[template.Length + attribute];
        template[..nameEnd].CopyTo(bytes);
        var at = nameEnd;
        at += Encoding.UTF8.GetBytes(" to=\"", bytes.AsSpan(at));
        at += Encoding.UTF8.GetBytes(escaped, bytes.AsSpan(at));
        bytes[at++] = (byte)'"';
        template[nameEnd..].CopyTo(bytes.AsSpan(at));
        return bytes;
    }

    private static string Escape(string value) =>
        value.AsSpan().IndexOfAny("&<>\"") < 0 ? value
            : value.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
                .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal);
}
