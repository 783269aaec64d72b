using System.Xml.Linq;
using Xmpp.Common.Xml;
using Xmpp.Gateway.Protocol;

namespace Xmpp.Gateway.Tests;

/// <summary>What the gateway accepts from a component, and how stanzas change namespace between its stream and the server.</summary>
public sealed class ComponentStanzasTests
{
    private static readonly XNamespace Accept = ComponentStanzas.AcceptNamespace;

    private static XElement Message(string? from, string? to)
    {
        var m = new XElement(Accept + "message", new XElement(Accept + "body", "hi"));
        if (from is not null) m.SetAttributeValue("from", from);
        if (to is not null) m.SetAttributeValue("to", to);
        return m;
    }

    [Theory]
    [InlineData("conference.localhost", "alice@localhost", null)]
    [InlineData("room@conference.localhost/nick", "alice@localhost/phone", null)]
    [InlineData("alice@localhost", "bob@localhost", StreamErrors.InvalidFrom)]
    [InlineData("x.conference.localhost", "bob@localhost", StreamErrors.InvalidFrom)]
    [InlineData(null, "bob@localhost", StreamErrors.InvalidFrom)]
    [InlineData("conference.localhost", null, StreamErrors.ImproperAddressing)]
    [InlineData("conference.localhost", "@bad", StreamErrors.ImproperAddressing)]
    public void A_stanza_must_come_from_the_domain_and_name_a_recipient(string? from, string? to, string? error) =>
        Assert.Equal(error, ComponentStanzas.Check(Message(from, to), "conference.localhost", out _, out _));

    [Fact]
    public void Only_stanzas_pass()
    {
        var other = new XElement(Accept + "handshake", "x");
        Assert.Equal(StreamErrors.UnsupportedStanzaType, ComponentStanzas.Check(other, "conference.localhost", out _, out _));
    }

    [Fact]
    public void Stanzas_change_namespace_and_payloads_keep_theirs()
    {
        var iq = new XElement(Accept + "iq", new XAttribute("type", "result"),
            new XElement(XName.Get("query", "http://jabber.org/protocol/disco#info"), new XElement(XName.Get("feature", "http://jabber.org/protocol/disco#info"))));
        var server = ComponentStanzas.ToServer(new XElement(iq));
        Assert.Equal(XName.Get("iq", "jabber:client"), server.Name);
        Assert.Equal("http://jabber.org/protocol/disco#info", server.Elements().Single().Name.NamespaceName);

        var message = ComponentStanzas.ToServer(Message("conference.localhost", "alice@localhost"));
        Assert.Equal(XName.Get("body", "jabber:client"), message.Elements().Single().Name);
        var back = ComponentStanzas.ToComponent(message);
        Assert.Equal(Accept + "body", back.Elements().Single().Name);
        Assert.Equal(Accept + "message", back.Name);
    }
}
