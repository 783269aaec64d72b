using System.Xml.Linq;
using Xmpp.Common;
using static Xmpp.Sm.Tests.ImAssertions;
using static Xmpp.Sm.Tests.SmHarness;

namespace Xmpp.Sm.Tests;

/// <summary>
/// XEP-0030 on accounts: an iq with no 'to' or to a bare JID is answered by sm on the account's
/// behalf (RFC 6120 §10.3.3), for the account itself and contacts it shares presence with only;
/// XEP-0199 pings to bare JIDs follow the same rule.
/// </summary>
public sealed class AccountDiscoTests : IDisposable
{
    private static readonly XNamespace Info = Ns.DiscoInfo;
    private static readonly XNamespace Items = Ns.DiscoItems;
    private readonly SmHarness _h = new();
    private readonly Client _alice;
    private readonly Client _bob;

    public AccountDiscoTests()
    {
        _h.CreateUser("alice");
        _h.CreateUser("bob");
        _h.CreateUser("carol");
        _alice = _h.OnlineInterested("alice@localhost/phone");
        _bob = _h.OnlineInterested("bob@localhost/pc", c2s: C2s2);
    }

    public void Dispose() => _h.Dispose();

    private XElement Ask(Client client, string xml) => SingleStanzaTo(_h.Send(client, xml), client);

    [Theory]
    [InlineData("")]
    [InlineData(" to='alice@localhost'")]
    public void Disco_info_with_no_to_or_to_the_own_bare_jid_describes_the_account_not_the_server(string to)
    {
        var result = Ask(_alice, $"<iq type='get' id='d1'{to}><query xmlns='{Ns.DiscoInfo}'/></iq>");

        Assert.Equal("result", (string?)result.Attribute("type"));
        var identity = Assert.Single(result.Element(Info + "query")!.Elements(Info + "identity"), i => (string?)i.Attribute("category") != "pubsub"); // beside PEP's pubsub/pep
        Assert.Equal(("account", "registered"), ((string?)identity.Attribute("category"), (string?)identity.Attribute("type")));
        var features = result.Descendants(Info + "feature").Select(f => (string)f.Attribute("var")!).ToList();
        Assert.Equal(_h.Sm.Hooks.Disco.Features(Core.DiscoTarget.Account).Order(StringComparer.Ordinal), features);
        Assert.Contains(Ns.DiscoInfo, features);
        Assert.Contains("jabber:iq:last", features);
        Assert.DoesNotContain("msgoffline", features); // a server feature
    }

    [Fact]
    public void A_contact_the_account_shares_presence_with_gets_the_account_s_disco_info_a_stranger_does_not()
    {
        _h.MakeMutual(_alice, _bob);

        var forBob = Ask(_bob, $"<iq type='get' id='d2' to='alice@localhost'><query xmlns='{Ns.DiscoInfo}'/></iq>");
        var carol = _h.Online("carol@localhost/tab");
        var forCarol = Ask(carol, $"<iq type='get' id='d3' to='alice@localhost'><query xmlns='{Ns.DiscoInfo}'/></iq>");
        var nobody = Ask(carol, $"<iq type='get' id='d4' to='nobody@localhost'><query xmlns='{Ns.DiscoInfo}'/></iq>");

        Assert.Equal("account", (string?)forBob.Descendants(Info + "identity").Single(i => (string?)i.Attribute("category") != "pubsub").Attribute("category"));
        Assert.Equal("service-unavailable", ErrorCondition(forCarol));
        Assert.Equal("service-unavailable", ErrorCondition(nobody)); // the same answer: disco does not reveal accounts
    }

    [Fact]
    public void Disco_items_of_an_account_is_an_empty_result_and_a_node_nobody_owns_is_item_not_found()
    {
        var items = Ask(_alice, $"<iq type='get' id='i1'><query xmlns='{Ns.DiscoItems}'/></iq>");
        var node = Ask(_alice, $"<iq type='get' id='i2'><query xmlns='{Ns.DiscoInfo}' node='urn:nobody'/></iq>");

        Assert.Equal("result", (string?)items.Attribute("type"));
        Assert.Empty(items.Element(Items + "query")!.Elements());
        Assert.Equal("item-not-found", ErrorCondition(node));
    }

    [Fact]
    public void The_server_s_disco_info_lists_version_time_and_last_activity()
    {
        var result = Ask(_alice, $"<iq type='get' id='d5' to='localhost'><query xmlns='{Ns.DiscoInfo}'/></iq>");

        var features = result.Descendants(Info + "feature").Select(f => (string)f.Attribute("var")!).ToList();
        Assert.Contains("jabber:iq:version", features);
        Assert.Contains("urn:xmpp:time", features);
        Assert.Contains("jabber:iq:last", features);
        Assert.Contains(Ns.Ping, features);
    }

    [Fact]
    public void A_ping_to_a_bare_jid_is_answered_for_the_account_and_its_contacts_only()
    {
        _h.MakeMutual(_alice, _bob);
        var carol = _h.Online("carol@localhost/tab");

        Assert.Equal("result", (string?)Ask(_bob, "<iq type='get' id='p1' to='alice@localhost'><ping xmlns='urn:xmpp:ping'/></iq>").Attribute("type"));
        Assert.Equal("result", (string?)Ask(_alice, "<iq type='get' id='p2' to='alice@localhost'><ping xmlns='urn:xmpp:ping'/></iq>").Attribute("type"));
        Assert.Equal("service-unavailable", ErrorCondition(Ask(carol, "<iq type='get' id='p3' to='alice@localhost'><ping xmlns='urn:xmpp:ping'/></iq>")));
        Assert.Equal("service-unavailable", ErrorCondition(Ask(carol, "<iq type='get' id='p4' to='nobody@localhost'><ping xmlns='urn:xmpp:ping'/></iq>")));
    }
}

/// <summary>The server's disco#items lists the services the router announces under our domain.</summary>
public sealed class ServerDiscoItemsTests : IDisposable
{
    private static readonly XNamespace Items = Ns.DiscoItems;
    private readonly SmHarness _h = new();

    public void Dispose() => _h.Dispose();

    private void Component(string address, bool up) =>
        _h.Handle(new Protos.Frame { From = "router", To = SmAddress, Component = new Protos.ComponentEvent { Address = address, Up = up } });

    [Fact]
    public void Services_under_the_domain_are_listed_while_they_are_up()
    {
        _h.CreateUser("alice");
        var alice = _h.Online("alice@localhost/phone");
        Component("muc/conference.localhost", up: true);
        Component("upload/upload.localhost", up: true);
        Component("c2s/c2s-9", up: true);
        Component("other/elsewhere.example", up: true);
        Component("upload/upload.localhost", up: false);

        var result = SingleStanzaTo(_h.Send(alice, $"<iq type='get' id='i1' to='localhost'><query xmlns='{Ns.DiscoItems}'/></iq>"), alice);

        Assert.Equal(["conference.localhost"], result.Descendants(Items + "item").Select(i => (string?)i.Attribute("jid")));
    }

    [Theory]
    [InlineData("muc/conference.localhost", "conference.localhost")]
    [InlineData("sm/localhost", null)]
    [InlineData("c2s/c2s-1", null)]
    [InlineData("muc/localhost", null)]
    [InlineData("muc/evil-localhost", null)]
    [InlineData("muc/room@conference.localhost", null)]
    [InlineData("nokind", null)]
    public void Which_addresses_are_services(string address, string? service) =>
        Assert.Equal(service, Modules.Disco.ServiceItems.ServiceDomain(address, "localhost"));
}
