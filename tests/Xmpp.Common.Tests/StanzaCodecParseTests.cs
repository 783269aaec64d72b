using System.Text;
using System.Xml;
using System.Xml.Linq;
using Xmpp.Common.Stanzas;

namespace Xmpp.Common.Tests;

/// <summary>StanzaCodec.Parse goes through the stream parser c2s uses: restricted XML, one element, and a failure leaves the next parse unharmed.</summary>
public sealed class StanzaCodecParseTests
{
    private static XElement Parse(string text) => StanzaCodec.Parse(Encoding.UTF8.GetBytes(text));

    [Theory]
    [InlineData("<message xmlns='jabber:client'><!-- hi --></message>")]
    [InlineData("<?xml version='1.0'?><message xmlns='jabber:client'/>")]
    [InlineData("<message xmlns='jabber:client'><?pi x?></message>")]
    [InlineData("<message xmlns='jabber:client'>&ent;</message>")]
    [InlineData("<message xmlns='jabber:client'><body>cut")]
    [InlineData("<message xmlns='jabber:client'/><message xmlns='jabber:client'/>")]
    [InlineData("<message xmlns='jabber:client'/>trailing")]
    [InlineData("<x:message xmlns='jabber:client'/>")]
    [InlineData("</stream:stream>")]
    [InlineData("")]
    public void Anything_but_one_well_formed_restricted_element_is_an_XmlException(string text)
    {
        Assert.Throws<XmlException>(() => Parse(text));
        // and the parser of this thread is fine afterwards
        Assert.Equal("ok", Parse("<message xmlns='jabber:client'><body>ok</body></message>").Value);
    }

    [Fact]
    public void Invalid_utf8_is_refused()
    {
        byte[] bytes = [.. "<message xmlns='jabber:client'><body>"u8, 0xC3, 0x28, .. "</body></message>"u8];
        Assert.Throws<XmlException>(() => StanzaCodec.Parse(bytes));
    }

    [Fact]
    public void Namespaces_attributes_text_and_cdata_come_out_as_written()
    {
        var e = Parse("<iq xmlns='jabber:client' type='get' id='1'>\n<q:query xmlns:q='urn:q' q:a='&lt;1&gt;'><![CDATA[a<b]]>&#x263A;</q:query></iq>  \n");

        Assert.Equal(XName.Get("iq", Ns.Client), e.Name);
        var query = e.Element(XName.Get("query", "urn:q"))!;
        Assert.Equal("<1>", (string?)query.Attribute(XName.Get("a", "urn:q")));
        Assert.Equal("a<b\u263A", query.Value);
        Assert.Equal(XName.Get("m"), Parse("<m/>").Name); // no namespace declared: none
    }
}
