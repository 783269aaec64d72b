using System.Xml.Linq;
using Xmpp.C2s.Protocol;
using Xmpp.Common;

namespace Xmpp.C2s.Tests;

/// <summary>RFC 6120 §8.1.2.1: the server stamps 'from' and refuses an address that is not the client's.</summary>
public sealed class ClientStanzaRulesTests
{
    private static readonly Jid Alice = Jid.Parse("alice@localhost/phone");

    private static XElement Stanza(string xml) => XElement.Parse(xml.Replace("<message", "<message xmlns='jabber:client'")
        .Replace("<iq", "<iq xmlns='jabber:client'").Replace("<presence", "<presence xmlns='jabber:client'"));

    [Fact]
    public void A_stanza_without_from_is_stamped_with_the_full_jid()
    {
        var forward = Assert.IsType<ClientStanzaRules.Verdict.Forward>(ClientStanzaRules.Check(Stanza("<message to='Bob@LocalHost' type='chat'><body>hi</body></message>"), Alice));
        Assert.Equal("alice@localhost/phone", (string?)forward.Stanza.Attribute("from"));
        Assert.Equal("bob@localhost", forward.To);
        Assert.Equal("message", forward.Kind);
        Assert.Equal("chat", forward.Type);
    }

    [Theory]
    [InlineData("alice@localhost")]
    [InlineData("alice@localhost/phone")]
    public void The_clients_own_bare_or_full_jid_is_accepted_and_replaced_by_the_full_jid(string from)
    {
        var forward = Assert.IsType<ClientStanzaRules.Verdict.Forward>(ClientStanzaRules.Check(Stanza($"<presence from='{from}'/>"), Alice));
        Assert.Equal("alice@localhost/phone", (string?)forward.Stanza.Attribute("from"));
    }

    [Theory]
    [InlineData("mallory@localhost/x")]
    [InlineData("alice@localhost/other")]
    [InlineData("alice@elsewhere")]
    public void A_forged_from_closes_the_stream_with_invalid_from(string from)
    {
        var verdict = Assert.IsType<ClientStanzaRules.Verdict.StreamError>(ClientStanzaRules.Check(Stanza($"<message from='{from}' to='bob@localhost'><body>x</body></message>"), Alice));
        Assert.Equal("invalid-from", verdict.Condition);
    }

    [Fact]
    public void A_malformed_to_gets_jid_malformed_with_the_original_id()
    {
        var reject = Assert.IsType<ClientStanzaRules.Verdict.Reject>(ClientStanzaRules.Check(Stanza("<message id='m1' to='a@b@c'/>"), Alice));
        Assert.Equal("m1", (string?)reject.Error.Attribute("id"));
        Assert.Equal("error", (string?)reject.Error.Attribute("type"));
        Assert.NotNull(reject.Error.Element(XName.Get("error", Ns.Client))!.Element(XName.Get("jid-malformed", Ns.Stanzas)));
    }

    [Theory]
    [InlineData("<iq type='get'><ping xmlns='urn:xmpp:ping'/></iq>")] // no id
    [InlineData("<iq id='1' type='fetch'><ping xmlns='urn:xmpp:ping'/></iq>")] // bad type
    [InlineData("<iq id='1' type='get'/>")] // no payload
    [InlineData("<iq id='1' type='set'><a xmlns='x'/><b xmlns='y'/></iq>")] // two payloads
    public void A_malformed_iq_gets_bad_request(string xml)
    {
        var reject = Assert.IsType<ClientStanzaRules.Verdict.Reject>(ClientStanzaRules.Check(Stanza(xml), Alice));
        Assert.NotNull(reject.Error.Descendants(XName.Get("bad-request", Ns.Stanzas)).SingleOrDefault());
    }

    [Fact]
    public void A_non_stanza_element_is_unsupported_stanza_type()
    {
        var verdict = Assert.IsType<ClientStanzaRules.Verdict.StreamError>(ClientStanzaRules.Check(XElement.Parse("<foo xmlns='jabber:client'/>"), Alice));
        Assert.Equal("unsupported-stanza-type", verdict.Condition);
    }
}
