using System.Text;
using System.Xml;
using System.Xml.Linq;
using Xmpp.Common.Stanzas;
using Xmpp.Common.Xml;

namespace Xmpp.Common.Tests;

public class StanzaTests
{
    private static readonly XNamespace Client = Ns.Client;
    private static readonly XNamespace Stanzas = Ns.Stanzas;

    [Fact]
    public void Reply_ToMessage_SwapsAddresses_KeepsIdAndPayload()
    {
        var original = XElement.Parse(
            "<message xmlns='jabber:client' from='romeo@example.net/orchard' to='juliet@example.com' id='m1' type='chat'><body>hi</body></message>");
        var reply = StanzaErrors.Reply(original, StanzaErrors.ServiceUnavailable);

        Assert.Equal(Client + "message", reply.Name);
        Assert.Equal("m1", (string?)reply.Attribute("id"));
        Assert.Equal("romeo@example.net/orchard", (string?)reply.Attribute("to"));
        Assert.Equal("juliet@example.com", (string?)reply.Attribute("from"));
        Assert.Equal("error", (string?)reply.Attribute("type"));
        Assert.Equal("hi", reply.Element(Client + "body")!.Value);

        var error = reply.Element(Client + "error")!;
        Assert.Equal("cancel", (string?)error.Attribute("type"));
        Assert.Equal(Stanzas + "service-unavailable", Assert.Single(error.Elements()).Name);
        Assert.Same(error, reply.Elements().Last());
        // The original is left untouched.
        Assert.Equal("chat", (string?)original.Attribute("type"));
        Assert.Single(original.Elements());
    }

    [Fact]
    public void Reply_ToIq_DropsPayload_AndTakesFromOverride_AndText()
    {
        var original = XElement.Parse("<iq xmlns='jabber:client' from='a@b/c' id='q1' type='get'><query xmlns='jabber:iq:version'/></iq>");
        var reply = StanzaErrors.Reply(original, StanzaErrors.Modify, StanzaErrors.BadRequest, text: "nope", from: "b");

        Assert.Equal("a@b/c", (string?)reply.Attribute("to"));
        Assert.Equal("b", (string?)reply.Attribute("from"));
        Assert.Equal("q1", (string?)reply.Attribute("id"));
        var only = Assert.Single(reply.Elements());
        Assert.Equal(Client + "error", only.Name);
        Assert.Equal("modify", (string?)only.Attribute("type"));
        Assert.NotNull(only.Element(Stanzas + "bad-request"));
        Assert.Equal("nope", only.Element(Stanzas + "text")!.Value);
    }

    [Fact]
    public void Reply_WithoutAddresses_HasNone()
    {
        var reply = StanzaErrors.Reply(XElement.Parse("<presence xmlns='jabber:client'/>"), StanzaErrors.NotAuthorized);
        Assert.Null(reply.Attribute("to"));
        Assert.Null(reply.Attribute("from"));
        Assert.Null(reply.Attribute("id"));
        Assert.Equal("auth", (string?)reply.Element(Client + "error")!.Attribute("type"));
    }

    [Theory]
    [InlineData(StanzaErrors.BadRequest, "modify")]
    [InlineData(StanzaErrors.JidMalformed, "modify")]
    [InlineData(StanzaErrors.NotAcceptable, "modify")]
    [InlineData(StanzaErrors.PolicyViolation, "modify")]
    [InlineData(StanzaErrors.NotAuthorized, "auth")]
    [InlineData(StanzaErrors.InternalServerError, "wait")]
    [InlineData(StanzaErrors.ResourceConstraint, "wait")]
    [InlineData(StanzaErrors.RecipientUnavailable, "wait")]
    [InlineData(StanzaErrors.ItemNotFound, "cancel")]
    [InlineData(StanzaErrors.ServiceUnavailable, "cancel")]
    [InlineData(StanzaErrors.FeatureNotImplemented, "cancel")]
    [InlineData(StanzaErrors.Conflict, "cancel")]
    public void DefaultType_FollowsRfc6120(string condition, string type)
    {
        Assert.Equal(type, StanzaErrors.DefaultType(condition));
    }

    [Fact]
    public void Codec_RoundTrips_WithOneNamespaceDeclaration()
    {
        var stanza = new XElement(Client + "message", new XAttribute("to", "a@b"), new XAttribute("id", "1"),
            new XElement(Client + "body", "x < y & \u00e9"),
            new XElement(XName.Get("active", "http://jabber.org/protocol/chatstates")));
        var bytes = StanzaCodec.ToBytes(stanza);
        var text = Encoding.UTF8.GetString(bytes);
        Assert.Equal(
            "<message xmlns=\"jabber:client\" to=\"a@b\" id=\"1\"><body>x &lt; y &amp; \u00e9</body><active xmlns=\"http://jabber.org/protocol/chatstates\"/></message>",
            text);

        var back = StanzaCodec.Parse(bytes);
        Assert.Equal(text, StanzaCodec.ToText(back));
        Assert.Equal("x < y & \u00e9", back.Element(Client + "body")!.Value);
        Assert.Equal(Client + "message", back.Name);
    }

    [Fact]
    public void Codec_Parse_RefusesDtd()
    {
        var evil = Encoding.UTF8.GetBytes("<!DOCTYPE m [<!ENTITY x 'boom'>]><message xmlns='jabber:client'>&x;</message>");
        Assert.Throws<XmlException>(() => StanzaCodec.Parse(evil));
    }

    [Fact]
    public void ParserOutput_SurvivesCodecRoundTrip()
    {
        var events = StreamFeeder.ReadAll(
            "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>" +
            "<message to='a@b'><body>1 &lt; 2</body><x:y xmlns:x='urn:x' x:z='1'/></message>");
        var element = ((StanzaEvent)events[1]).Element;
        var back = StanzaCodec.Parse(StanzaCodec.ToBytes(element));
        Assert.Equal(StanzaCodec.ToText(element), StanzaCodec.ToText(back));
        Assert.Equal("1", (string?)back.Element(XName.Get("y", "urn:x"))!.Attribute(XName.Get("z", "urn:x")));
        Assert.Equal("1 < 2", back.Element(Client + "body")!.Value);
    }
}
