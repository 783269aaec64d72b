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

    /// <summary>Serializes a stanza in the jabber:client namespace without redundant declarations.</summary>
    public static byte[] ToBytes(XElement stanza) => Encoding.UTF8.GetBytes(ToText(stanza));

    public static string ToText(XElement stanza) => stanza.ToString(SaveOptions.DisableFormatting | SaveOptions.OmitDuplicateNamespaces);

    /// <summary>Parses the bytes of one stanza as written by <see cref="ToBytes"/>. No DTD, no entities.</summary>
    public static XElement Parse(ReadOnlySpan<byte> utf8)
    {
        using var reader = XmlReader.Create(new StringReader(Encoding.UTF8.GetString(utf8)), ReaderSettings);
        return XElement.Load(reader, LoadOptions.None);
    }
}
