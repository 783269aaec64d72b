using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Sm.Modules.Blocking;
using Xmpp.Sm.Tests.Stores;
using static Xmpp.Sm.Tests.SmHarness;

namespace Xmpp.Sm.Tests;

/// <summary>XEP-0191 blocking: the JID matching and the paths around routing (offline messages, subscription requests, the server itself).</summary>
public abstract class BlockingModuleTests
{
    private readonly IStoreProvider _stores;

    protected BlockingModuleTests(IStoreProvider stores) => _stores = stores;

    private const string Block = $"<iq type='set' id='b1'><block xmlns='{BlockingModule.Namespace}'><item jid='{{0}}'/></block></iq>";

    [Theory]
    [InlineData("romeo@montague.lit/orchard", true)]
    [InlineData("romeo@montague.lit", true)]
    [InlineData("montague.lit/orchard", true)]
    [InlineData("montague.lit", true)]
    [InlineData("romeo@montague.lit/balcony", false)]
    [InlineData("benvolio@montague.lit", false)]
    [InlineData("capulet.lit", false)]
    public void An_item_matches_the_full_jid_the_bare_jid_the_domain_with_the_resource_or_the_domain(string item, bool matches) =>
        Assert.Equal(matches, BlockRules.Matches(new HashSet<string> { item }, Jid.Parse("romeo@montague.lit/orchard")));

    [Fact]
    public void Inbound_and_outbound_outcomes_follow_the_xep()
    {
        Assert.Equal(BlockOutcome.ServiceUnavailable, BlockRules.Inbound("message", "chat"));
        Assert.Equal(BlockOutcome.ServiceUnavailable, BlockRules.Inbound("iq", "get"));
        Assert.Equal(BlockOutcome.Drop, BlockRules.Inbound("presence", ""));
        Assert.Equal(BlockOutcome.Drop, BlockRules.Inbound("presence", "subscribe"));
        Assert.Equal(BlockOutcome.Drop, BlockRules.Inbound("iq", "result"));
        Assert.Equal(BlockOutcome.Drop, BlockRules.Inbound("message", "headline"));
        Assert.Equal(BlockOutcome.NotAcceptableBlocked, BlockRules.Outbound("message", "chat"));
        Assert.Equal(BlockOutcome.NotAcceptableBlocked, BlockRules.Outbound("iq", "set"));
        Assert.Equal(BlockOutcome.Drop, BlockRules.Outbound("presence", ""));
        Assert.Equal(BlockOutcome.Drop, BlockRules.Outbound("message", "error"));
    }

    [Fact]
    public void A_message_stored_offline_before_the_block_is_not_delivered_after_it()
    {
        using var h = new SmHarness(store: _stores.NewStore());
        h.CreateUser("alice");
        h.CreateUser("bob");
        var bob = h.Online("bob@localhost/desk");
        h.Send(bob, "<message to='alice@localhost' type='chat'><body>before the block</body></message>");
        Assert.Equal(1, ((Storage.IOfflineStore)h.Storage).Count("alice@localhost")); // stored, waiting for her

        var alice = h.Start("alice@localhost/phone");
        Assert.Equal("result", (string?)SingleStanzaTo(h.Send(alice, string.Format(Block, "bob@localhost")), alice).Attribute("type"));
        var frames = h.Send(alice, "<presence/>");

        Assert.DoesNotContain(StanzasTo(frames, alice), s => s.Name.LocalName == "message");
    }

    [Fact]
    public void A_subscription_request_from_a_blocked_user_is_dropped_without_an_answer()
    {
        using var h = new SmHarness(store: _stores.NewStore());
        h.CreateUser("alice");
        h.CreateUser("bob");
        var alice = h.Online("alice@localhost/phone");
        var bob = h.Online("bob@localhost/desk");
        h.Send(alice, string.Format(Block, "bob@localhost"));

        var frames = h.Send(bob, "<presence to='alice@localhost' type='subscribe'/>");

        Assert.DoesNotContain(StanzasTo(frames, alice), s => s.Name.LocalName == "presence");
        Assert.DoesNotContain(StanzasTo(frames, bob), s => (string?)s.Attribute("type") == "error");
    }

    [Fact]
    public void Blocking_the_own_domain_never_blocks_the_servers_answers()
    {
        using var h = new SmHarness(store: _stores.NewStore());
        h.CreateUser("alice");
        var alice = h.Online("alice@localhost/phone");
        h.Send(alice, string.Format(Block, "localhost"));

        var pong = SingleStanzaTo(h.Send(alice, $"<iq type='get' id='p1' to='localhost'><ping xmlns='{Ns.Ping}'/></iq>"), alice);

        Assert.Equal("result", (string?)pong.Attribute("type"));
    }

    [Fact]
    public void A_block_beyond_the_limit_is_not_allowed_and_changes_nothing()
    {
        using var h = new SmHarness(settings: new Dictionary<string, string?> { ["Sm:Blocking:MaxItems"] = "1" }, store: _stores.NewStore());
        h.CreateUser("alice");
        var alice = h.Online("alice@localhost/phone");
        h.Send(alice, string.Format(Block, "one@localhost"));

        var refused = SingleStanzaTo(h.Send(alice, string.Format(Block, "two@localhost")), alice);
        Assert.Equal("not-allowed", ErrorCondition(refused));

        var list = SingleStanzaTo(h.Send(alice, $"<iq type='get' id='l1'><blocklist xmlns='{BlockingModule.Namespace}'/></iq>"), alice);
        XNamespace b = BlockingModule.Namespace;
        Assert.Equal(["one@localhost"], list.Element(b + "blocklist")!.Elements(b + "item").Select(i => (string?)i.Attribute("jid")));
    }

    [Fact]
    public void Blocking_a_domain_sends_unavailable_to_the_subscribers_of_that_domain_and_unblocking_the_presence_again()
    {
        using var h = new SmHarness(store: _stores.NewStore());
        h.CreateUser("alice");
        h.CreateUser("bob");
        var alice = h.Online("alice@localhost/phone");
        var bob = h.Online("bob@localhost/desk");
        // bob subscribes to alice, alice approves: he sees her presence
        h.Send(bob, "<presence to='alice@localhost' type='subscribe'/>");
        h.Send(alice, "<presence to='bob@localhost' type='subscribed'/>");
        h.Take();

        var frames = h.Send(alice, string.Format(Block, "localhost/desk")); // the domain with bob's resource
        var unavailable = Assert.Single(StanzasTo(frames, bob), s => s.Name.LocalName == "presence");
        Assert.Equal(("alice@localhost/phone", "unavailable"), ((string?)unavailable.Attribute("from"), (string?)unavailable.Attribute("type")));

        frames = h.Send(alice, $"<iq type='set' id='u1'><unblock xmlns='{BlockingModule.Namespace}'><item jid='localhost/desk'/></unblock></iq>");
        var back = Assert.Single(StanzasTo(frames, bob), s => s.Name.LocalName == "presence");
        Assert.Equal("alice@localhost/phone", (string?)back.Attribute("from"));
        Assert.Null((string?)back.Attribute("type"));
    }
}

public sealed class BlockingModuleTestsOnSqlite() : BlockingModuleTests(StoreProviders.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class BlockingModuleTestsOnPostgres(PostgresFixture postgres) : BlockingModuleTests(postgres);
