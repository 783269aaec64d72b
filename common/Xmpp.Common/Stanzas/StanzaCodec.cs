using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Xmpp.Common.Stanzas;

/// <summary>Stanzas to and from the UTF-8 bytes carried in packet frames and written to sockets.</summary>
public static class StanzaCodec
{
    private static readonly XmlReaderSettings ReaderSettings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = false,
        IgnoreProcessingInstructions = false,
        MaxCharactersFromEntities = 0,
        CloseInput = true,
    };

    /// <summary>Serializes a stanza, declaring the namespaces it needs (see <see cref="StanzaWriter"/>).</summary>
    public static byte[] ToBytes(XElement stanza) => StanzaWriter.ToBytes(stanza);

    public static string ToText(XElement stanza) => Encoding.UTF8.GetString(StanzaWriter.ToBytes(stanza));

    /// <summary>Parses the bytes of one stanza as written by <see cref="ToBytes"/>. No DTD, no entities.</summary>
    public static XElement Parse(ReadOnlySpan<byte> utf8)
    {
        using var reader = XmlReader.Create(new StringReader(Encoding.UTF8.GetString(utf8)), ReaderSettings);
        return XElement.Load(reader, LoadOptions.None);
    }
}
