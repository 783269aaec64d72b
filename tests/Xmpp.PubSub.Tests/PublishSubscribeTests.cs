using System.Xml.Linq;
using Xmpp.Common.PubSub;
using static Xmpp.PubSub.Tests.ServiceHarness;

namespace Xmpp.PubSub.Tests;

/// <summary>XEP-0060 §6 and §7: subscribing, publishing and the notifications that follow, as the service answers them.</summary>
public sealed class PublishSubscribeTests : IDisposable
{
    private const string Alice = "alice@localhost/desk";
    private const string Bob = "bob@localhost/phone";
    private const string Carol = "carol@localhost/tablet";
    private static readonly XNamespace News = "urn:example:news";
    private readonly ServiceHarness _h = new(new PubSubOptions { MaxItemBytes = 200, DefaultMaxItems = 3 });

    public PublishSubscribeTests() => Assert.Equal("result", _h.Create(Alice, "news").Type());

    public void Dispose() => _h.Dispose();

    private static string? EventItemId(XElement message) => (string?)message.Element(E + "event")?.Element(E + "items")?.Element(E + "item")?.Attribute("id");

    [Fact]
    public void A_publish_is_answered_with_the_item_id_and_each_subscriber_gets_a_headline_at_the_jid_it_subscribed()
    {
        Assert.Equal("result", _h.Subscribe(Bob, "news").Answer.Type());            // full JID: that resource
        Assert.Equal("result", _h.Subscribe(Carol, "news", "carol@localhost").Answer.Type()); // bare JID: the account

        var (answer, events) = _h.Publish(Alice, "news", null, Entry("Hello"));
        Assert.Equal("result", answer.Type());
        var id = (string?)answer.Descendants(P + "item").Single().Attribute("id");
        Assert.False(string.IsNullOrEmpty(id));
        Assert.Equal([Bob, "carol@localhost"], events.Select(e => (string?)e.Attribute("to")).Order());
        foreach (var e in events)
        {
            Assert.Equal(("message", "headline", Domain), (e.Name.LocalName, e.Type(), (string?)e.Attribute("from")));
            Assert.Equal(id, EventItemId(e));
            Assert.Equal("Hello", e.Descendants(News + "title").Single().Value);
        }
    }

    [Fact]
    public void Subscribing_sends_the_last_item_after_the_result_unless_the_node_says_never()
    {
        _h.Publish(Alice, "news", "one", Entry("One"));
        _h.Publish(Alice, "news", "two", Entry("Two"));
        var (answer, others) = _h.Subscribe(Bob, "news");
        var subscription = answer.Descendants(P + "subscription").Single();
        Assert.Equal(("news", Bob, "subscribed"), ((string?)subscription.Attribute("node"), (string?)subscription.Attribute("jid"), (string?)subscription.Attribute("subscription")));
        Assert.Equal("two", EventItemId(Assert.Single(others)));

        _h.Create(Alice, "quiet", ("pubsub#send_last_published_item", "never"));
        _h.Publish(Alice, "quiet", "x", Entry("X"));
        Assert.Empty(_h.Subscribe(Bob, "quiet").Events);
        Assert.Equal("not-acceptable", _h.Create(Alice, "sp", ("pubsub#send_last_published_item", "on_sub_and_presence")).Error().Condition);
    }

    [Fact]
    public void Subscribe_and_unsubscribe_errors_are_the_ones_XEP_0060_names()
    {
        Assert.Equal(("bad-request", "invalid-jid"), _h.Subscribe(Bob, "news", "carol@localhost").Answer.Error());
        Assert.Equal(("item-not-found", null), _h.Subscribe(Bob, "none").Answer.Error());
        var noJid = _h.PubSub(Bob, "set", new XElement(P + "subscribe", new XAttribute("node", "news")));
        Assert.Equal(("bad-request", "jid-required"), noJid.Error());

        var unsubscribe = new XElement(P + "unsubscribe", new XAttribute("node", "news"), new XAttribute("jid", Bob));
        Assert.Equal(("unexpected-request", "not-subscribed"), _h.PubSub(Bob, "set", unsubscribe).Error());
        _h.Subscribe(Bob, "news");
        Assert.Equal(("forbidden", null), _h.PubSub(Carol, "set", new XElement(unsubscribe)).Error());
        Assert.Equal("result", _h.PubSub(Bob, "set", new XElement(unsubscribe)).Type());
        Assert.Empty(_h.Publish(Alice, "news", null, Entry("After")).Events);
    }

    [Fact]
    public void Publishing_needs_the_owner_or_a_publisher_an_existing_node_and_a_payload_within_the_limit()
    {
        Assert.Equal(("forbidden", null), _h.Publish(Bob, "news", null, Entry("Mine")).Answer.Error());
        Assert.Equal(("item-not-found", null), _h.Publish(Alice, "none", null, Entry("Lost")).Answer.Error());
        Assert.Equal(("not-acceptable", "payload-too-big"), _h.Publish(Alice, "news", null, Entry(new string('x', 300))).Answer.Error());
        var empty = _h.PubSub(Alice, "set", new XElement(P + "publish", new XAttribute("node", "news"), new XElement(P + "item")));
        Assert.Equal(("bad-request", "payload-required"), empty.Error());

        var grant = _h.Owner(Alice, "set", new XElement(O + "affiliations", new XAttribute("node", "news"),
            new XElement(O + "affiliation", new XAttribute("jid", "bob@localhost"), new XAttribute("affiliation", "publisher"))));
        Assert.Equal("result", grant.Type());
        Assert.Equal("result", _h.Publish(Bob, "news", null, Entry("Mine")).Answer.Type());
        var list = _h.PubSub(Bob, "get", new XElement(P + "affiliations"));
        Assert.Equal([("news", "publisher")], list.Descendants(P + "affiliation").Select(a => ((string?)a.Attribute("node"), (string?)a.Attribute("affiliation"))));
        // Owners stay owners: nobody is made or unmade one through the affiliations list.
        var demote = _h.Owner(Alice, "set", new XElement(O + "affiliations", new XAttribute("node", "news"),
            new XElement(O + "affiliation", new XAttribute("jid", "alice@localhost"), new XAttribute("affiliation", "none"))));
        Assert.Equal("not-acceptable", demote.Error().Condition);
    }

    [Fact]
    public void Items_come_newest_kept_by_max_items_by_count_or_by_id()
    {
        foreach (var n in new[] { "1", "2", "3", "4" }) _h.Publish(Alice, "news", n, Entry(n));
        XElement Items(params object[] content) => _h.PubSub(Bob, "get", new XElement(P + "items", new XAttribute("node", "news"), content));
        static IEnumerable<string?> Ids(XElement answer) => answer.Descendants(P + "item").Select(i => (string?)i.Attribute("id"));

        Assert.Equal(["2", "3", "4"], Ids(Items())); // the node keeps its newest 3 (DefaultMaxItems)
        Assert.Equal(["3", "4"], Ids(Items(new XAttribute("max_items", "2"))));
        Assert.Equal(["3"], Ids(Items(new XElement(P + "item", new XAttribute("id", "3")))));
        Assert.Equal(("bad-request", null), Items(new XAttribute("max_items", "0")).Error());
        Assert.Equal(("bad-request", "nodeid-required"), _h.PubSub(Bob, "get", new XElement(P + "items")).Error());
    }

    [Fact]
    public void Retract_and_purge_notify_and_remove()
    {
        _h.Subscribe(Bob, "news");
        _h.Publish(Alice, "news", "one", Entry("One"));
        _h.Publish(Alice, "news", "two", Entry("Two"));
        var (retract, events) = _h.Iq(Alice, "set", new XElement(P + "pubsub",
            new XElement(P + "retract", new XAttribute("node", "news"), new XElement(P + "item", new XAttribute("id", "one")))));
        Assert.Equal("result", retract.Type());
        Assert.Equal("one", (string?)Assert.Single(events).Descendants(E + "retract").Single().Attribute("id"));
        var again = _h.PubSub(Alice, "set", new XElement(P + "retract", new XAttribute("node", "news"), new XElement(P + "item", new XAttribute("id", "one"))));
        Assert.Equal(("item-not-found", null), again.Error());

        var (purge, purged) = _h.Iq(Alice, "set", new XElement(O + "pubsub", new XElement(O + "purge", new XAttribute("node", "news"))));
        Assert.Equal("result", purge.Type());
        Assert.Single(Assert.Single(purged).Descendants(E + "purge"));
        Assert.Empty(_h.Store.Items(Domain, "news"));
    }

    [Fact]
    public void Whitelist_nodes_admit_members_and_outcasts_lose_their_subscription()
    {
        _h.Create(Alice, "team", ("pubsub#access_model", "whitelist"));
        Assert.Equal(("not-allowed", "closed-node"), _h.Subscribe(Bob, "team").Answer.Error());
        XElement Affiliate(string jid, string affiliation) => _h.Owner(Alice, "set", new XElement(O + "affiliations", new XAttribute("node", "team"),
            new XElement(O + "affiliation", new XAttribute("jid", jid), new XAttribute("affiliation", affiliation))));
        Assert.Equal("result", Affiliate("bob@localhost", "member").Type());
        Assert.Equal("result", _h.Subscribe(Bob, "team").Answer.Type());
        Assert.Single(_h.Publish(Alice, "team", null, Entry("Members only")).Events);

        Assert.Equal("result", Affiliate("bob@localhost", "outcast").Type());
        Assert.Empty(_h.Publish(Alice, "team", null, Entry("Not for bob")).Events);
        Assert.Equal(("forbidden", null), _h.Subscribe(Bob, "team").Answer.Error());
        Assert.Equal(("forbidden", null), _h.PubSub(Bob, "get", new XElement(P + "items", new XAttribute("node", "team"))).Error());
    }

    [Fact]
    public void Subscription_options_switch_delivery_off_and_the_owner_manages_subscriptions()
    {
        _h.Subscribe(Bob, "news");
        var options = _h.PubSub(Bob, "get", new XElement(P + "options", new XAttribute("node", "news"), new XAttribute("jid", Bob)));
        Assert.Contains(options.Descendants((XNamespace)PubSubNs.DataForms + "field"), f => (string?)f.Attribute("var") == "pubsub#deliver");
        var off = _h.PubSub(Bob, "set", new XElement(P + "options", new XAttribute("node", "news"), new XAttribute("jid", Bob),
            Form(PubSubNs.PubSub + "#subscribe_options", ("pubsub#deliver", "false"))));
        Assert.Equal("result", off.Type());
        Assert.Empty(_h.Publish(Alice, "news", null, Entry("Quiet")).Events);

        var mine = _h.PubSub(Bob, "get", new XElement(P + "subscriptions"));
        Assert.Equal([("news", Bob)], mine.Descendants(P + "subscription").Select(s => ((string?)s.Attribute("node"), (string?)s.Attribute("jid"))));

        var add = _h.Owner(Alice, "set", new XElement(O + "subscriptions", new XAttribute("node", "news"),
            new XElement(O + "subscription", new XAttribute("jid", "carol@localhost"), new XAttribute("subscription", "subscribed")),
            new XElement(O + "subscription", new XAttribute("jid", Bob), new XAttribute("subscription", "none"))));
        Assert.Equal("result", add.Type());
        var list = _h.Owner(Alice, "get", new XElement(O + "subscriptions", new XAttribute("node", "news")));
        Assert.Equal(["carol@localhost"], list.Descendants(O + "subscription").Select(s => (string?)s.Attribute("jid")));
        Assert.Equal(("forbidden", null), _h.Owner(Bob, "get", new XElement(O + "subscriptions", new XAttribute("node", "news"))).Error());
    }

    [Fact]
    public void Deleting_a_node_tells_every_subscriber_and_drops_its_subscriptions()
    {
        _h.Subscribe(Bob, "news");
        _h.Subscribe(Carol, "news");
        var (answer, events) = _h.Iq(Alice, "set", new XElement(O + "pubsub", new XElement(O + "delete", new XAttribute("node", "news"))));
        Assert.Equal("result", answer.Type());
        Assert.Equal([Bob, Carol], events.Select(e => (string?)e.Attribute("to")).Order());
        Assert.All(events, e => Assert.Equal("news", (string?)e.Descendants(E + "delete").Single().Attribute("node")));
        Assert.Empty(_h.Store.SubscriptionsOf(Domain, "bob@localhost"));
    }
}
