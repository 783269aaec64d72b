using System.Text;
using System.Xml.Linq;
using Xmpp.Common.Stanzas;

namespace Xmpp.Common.Tests;

public class StanzaWriterTests
{
    private static readonly XNamespace Client = Ns.Client;

    [Theory]
    [InlineData("<message xmlns='jabber:client' to='bob@localhost' type='chat' id='1'><body>hi</body></message>")]
    [InlineData("<message xmlns='jabber:client'><body>a &amp; b &lt; c &gt; d \"q\" 'a'</body></message>")]
    [InlineData("<message xmlns='jabber:client' id='&quot;&amp;&lt;&gt;&apos;'/>")]
    [InlineData("<iq xmlns='jabber:client' type='get' id='r1'><query xmlns='jabber:iq:roster' ver=''/></iq>")]
    [InlineData("<message xmlns='jabber:client'><x:foo xmlns:x='urn:x' x:attr='v'><x:bar>t</x:bar><baz/></x:foo></message>")]
    [InlineData("<presence xmlns='jabber:client' xml:lang='en'><status xml:lang='fr'>été ✓ 😀</status></presence>")]
    [InlineData("<message xmlns='jabber:client'><body>line1\nline2\tend</body><thread>x</thread></message>")]
    [InlineData("<message xmlns='jabber:client'><data xmlns='urn:d'><inner xmlns=''>none</inner></data></message>")]
    [InlineData("<message xmlns='jabber:client' a='tab\tnew&#xA;line'><b>x&#xD;y</b></message>")]
    public void What_it_writes_parses_back_to_the_same_stanza(string xml)
    {
        var stanza = XElement.Parse(xml);

        var bytes = StanzaWriter.ToBytes(stanza);

        var back = StanzaCodec.Parse(bytes);
        Assert.True(XNode.DeepEquals(WithoutDeclarations(stanza), WithoutDeclarations(back)),
            $"wrote {Encoding.UTF8.GetString(bytes)}");
    }

    [Fact]
    public void A_stanza_built_in_code_declares_its_namespaces_itself()
    {
        var stanza = new XElement(Client + "message", new XAttribute("to", "a@b"),
            new XElement(Client + "body", "x < y"),
            new XElement(XNamespace.Get("urn:xmpp:delay") + "delay", new XAttribute("stamp", "2026-01-01T00:00:00Z")));

        var text = Encoding.UTF8.GetString(StanzaWriter.ToBytes(stanza));

        Assert.Equal("<message xmlns=\"jabber:client\" to=\"a@b\"><body>x &lt; y</body><delay xmlns=\"urn:xmpp:delay\" stamp=\"2026-01-01T00:00:00Z\"/></message>", text);
    }

    [Fact]
    public void An_attribute_in_an_undeclared_namespace_gets_a_prefix_declared()
    {
        var stanza = new XElement(Client + "message", new XAttribute(XNamespace.Get("urn:a") + "flag", "1"));

        var back = StanzaCodec.Parse(StanzaWriter.ToBytes(stanza));

        Assert.Equal("1", (string?)back.Attribute(XNamespace.Get("urn:a") + "flag"));
        Assert.Equal(Client + "message", back.Name);
    }

    [Fact]
    public void Comments_and_processing_instructions_are_left_out()
    {
        var stanza = new XElement(Client + "message", new XComment("c"), new XProcessingInstruction("pi", "x"), new XElement(Client + "body", "b"));

        Assert.Equal("<message xmlns=\"jabber:client\"><body>b</body></message>", Encoding.UTF8.GetString(StanzaWriter.ToBytes(stanza)));
    }

    private static XElement WithoutDeclarations(XElement element)
    {
        var copy = new XElement(element);
        foreach (var e in copy.DescendantsAndSelf())
            e.Attributes().Where(a => a.IsNamespaceDeclaration).Remove();
        return copy;
    }
}
