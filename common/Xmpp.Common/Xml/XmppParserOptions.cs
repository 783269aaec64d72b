namespace Xmpp.Common.Xml;

public sealed class XmppParserOptions
{
    /// <summary>Largest first-level element (stanza) accepted, in bytes; beyond it: &lt;policy-violation/&gt;.</summary>
    public int MaxStanzaBytes { get; set; } = 256 * 1024;

    /// <summary>Deepest element nesting accepted inside a stanza; beyond it: &lt;policy-violation/&gt;.</summary>
    public int MaxDepth { get; set; } = 64;

    /// <summary>Most attributes on one element; beyond it: &lt;policy-violation/&gt;.</summary>
    public int MaxAttributes { get; set; } = 64;
}
