using System.Buffers;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Xmpp.Common.Xml;

namespace Xmpp.Common.Stanzas;

/// <summary>Stanzas to and from the UTF-8 bytes carried in packet frames and written to sockets.</summary>
public static class StanzaCodec
{
    /// <summary>
    /// The limits of <see cref="Parse"/>: its input was already checked by c2s's stream parser (or
    /// written by a process of ours), so these only guard against absurd input, not clients.
    /// </summary>
    private static readonly XmppParserOptions ParseLimits = new() { MaxStanzaBytes = 1 << 30, MaxDepth = 1024, MaxAttributes = 1024 };

    /// <summary>A stream header binding only the stream prefix: each stanza declares its own namespace, as <see cref="ToBytes"/> writes it.</summary>
    private static readonly byte[] StreamHeader = Encoding.UTF8.GetBytes($"<stream:stream xmlns:stream='{Ns.Stream}'>");

    /// <summary>A parser per thread, inside an open stream between two stanzas; dropped after any failure.</summary>
    [ThreadStatic] private static XmppStreamParser? t_parser;

    /// <summary>Serializes a stanza, declaring the namespaces it needs (see <see cref="StanzaWriter"/>).</summary>
    public static byte[] ToBytes(XElement stanza) => StanzaWriter.ToBytes(stanza);

    public static string ToText(XElement stanza) => Encoding.UTF8.GetString(StanzaWriter.ToBytes(stanza));

    /// <summary>
    /// Parses the bytes of one stanza as written by <see cref="ToBytes"/>, with the stream parser
    /// c2s reads clients with (one XML parser for the whole tree): RFC 6120's restricted XML (no
    /// DTD, comment, processing instruction or entity beyond the predefined ones), UTF-8 checked.
    /// Throws <see cref="XmlException"/> for anything that is not one well-formed element.
    /// </summary>
    public static XElement Parse(ReadOnlySpan<byte> utf8)
    {
        var parser = t_parser ?? OpenStream();
        t_parser = null; // put back only if it ends between two stanzas
        var buffer = new ReadOnlySequence<byte>(utf8.ToArray());
        XElement element;
        try
        {
            if (!parser.TryRead(ref buffer, out var ev) || ev is not StanzaEvent stanza)
                throw new XmlException(ev is StreamCloseEvent ? "not a stanza" : "incomplete element");
            element = stanza.Element;
        }
        catch (XmppStreamException e)
        {
            throw new XmlException($"{e.Condition}: {e.Message}", e);
        }
        foreach (var segment in buffer)
            if (segment.Span.IndexOfAnyExcept(" \t\r\n"u8) >= 0) throw new XmlException("data after the element");
        t_parser = parser;
        return element;
    }

    private static XmppStreamParser OpenStream()
    {
        var parser = new XmppStreamParser(ParseLimits);
        var header = new ReadOnlySequence<byte>(StreamHeader);
        if (!parser.TryRead(ref header, out var ev) || ev is not StreamOpenEvent) throw new InvalidOperationException("the stream header did not parse");
        return parser;
    }
}
