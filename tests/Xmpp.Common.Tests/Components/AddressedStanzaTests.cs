using System.Text;
using System.Xml.Linq;
using Xmpp.Common.Components;
using Xmpp.Common.Stanzas;

namespace Xmpp.Common.Tests.Components;

/// <summary>A stanza serialized once and addressed to many: each copy is the stanza with that 'to', escaped.</summary>
public sealed class AddressedStanzaTests
{
    [Theory]
    [InlineData("bob@localhost/laptop")]
    [InlineData("bob@localhost/a \"quoted\" & <odd> resource")]
    public void Each_copy_parses_as_the_stanza_with_that_to(string to)
    {
        var stanza = new XElement(XName.Get("message", Ns.Client), new XAttribute("from", "room@conference.localhost/alice"),
            new XAttribute("type", "groupchat"), new XElement(XName.Get("body", Ns.Client), "hi <there> & all"));
        var template = StanzaCodec.ToBytes(stanza);

        var copy = StanzaCodec.Parse(AddressedStanza.WithTo(template, "message", to));

        Assert.Equal(to, (string?)copy.Attribute("to"));
        copy.Attribute("to")!.Remove();
        Assert.Equal(Encoding.UTF8.GetString(template), StanzaCodec.ToText(copy));
    }

    [Fact]
    public void A_template_that_is_not_the_named_element_is_refused() =>
        Assert.Throws<ArgumentException>(() => AddressedStanza.WithTo("<messages/>"u8, "message", "x@y"));
}
