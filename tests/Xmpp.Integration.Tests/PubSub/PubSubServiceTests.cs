using System.Xml.Linq;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xmpp.Integration.Tests.Xep0163;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.PubSub;

/// <summary>
/// Issue 21: XEP-0060 pubsub as its own process (xmpp-pubsub on pubsub.localhost) behind the router,
/// through real sockets: clients on both c2s create, subscribe, publish and get notifications; a late
/// subscriber gets the last item; nodes, items and subscriptions survive kill -9 of the service.
/// </summary>
public sealed class PubSubServiceTests(ITestOutputHelper output)
{
    private static readonly XNamespace Entry = "urn:example:news";
    private static readonly XNamespace DiscoItems = "http://jabber.org/protocol/disco#items";

    private static string News(string title) => $"<entry xmlns='urn:example:news'><title>{title}</title></entry>";

    [Fact]
    public async Task Subscriber_on_the_other_c2s_gets_the_notification_and_a_late_subscriber_the_last_item()
    {
        await using var cluster = await Cluster.StartAsync();
        await cluster.StartPubSubAsync();
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 60);
        var alice = await clients.LoginAsync(await cluster.NewUserAsync("ps-alice"), cluster.C2s1Port, "desk");
        var bob = await clients.LoginAsync(await cluster.NewUserAsync("ps-bob"), cluster.C2s2Port, "phone");

        var created = await alice.CreateNodeAsync("news");
        Assert.True(created.Attr("type") == "result", created.ToString());
        var again = await bob.CreateNodeAsync("news");
        Assert.Equal("conflict", again.ErrorCondition());

        var subscribed = await bob.SubscribeAsync("news");
        Assert.True(subscribed.Attr("type") == "result", subscribed.ToString());
        var subscription = subscribed.Descendants(PepClient.P + "subscription").Single();
        Assert.Equal(("news", bob.Jid, "subscribed"), (subscription.Attr("node"), subscription.Attr("jid"), subscription.Attr("subscription")));

        var published = await alice.PublishToAsync("news", "first", News("Hello"));
        Assert.True(published.Attr("type") == "result", published.ToString());
        var notification = await bob.ExpectServiceEventAsync("news");
        Assert.Equal(bob.Jid, notification.Attr("to")); // the full JID it subscribed with
        var item = notification.EventItem()!;
        Assert.Equal("first", item.Attr("id"));
        Assert.Equal("Hello", item.Element(Entry + "entry")?.Element(Entry + "title")?.Value);

        // Only the owner and publishers publish: bob gets <forbidden/>.
        var refused = await bob.PublishToAsync("news", null, News("Mine"));
        Assert.Equal("forbidden", refused.ErrorCondition());
        var missing = await alice.PublishToAsync("nowhere", null, News("Lost"));
        Assert.Equal("item-not-found", missing.ErrorCondition());

        // A late subscriber gets the last item right after the result (§6.1.7).
        await alice.PublishToAsync("news", "second", News("Later"));
        await bob.ExpectServiceEventAsync("news", s => s.EventItem()?.Attr("id") == "second");
        var carol = await clients.LoginAsync(await cluster.NewUserAsync("ps-carol"), cluster.C2s1Port, "tablet");
        var late = await carol.SubscribeAsync("news");
        Assert.True(late.Attr("type") == "result", late.ToString());
        var last = await carol.ExpectServiceEventAsync("news");
        Assert.Equal("second", last.EventItem()?.Attr("id"));

        // Retract notifies the subscribers; the items left are retrievable.
        var retracted = await alice.IqAsync("set", Cluster.PubSubDomain,
            $"<pubsub xmlns='{PepClient.PubSub}'><retract node='news' notify='true'><item id='first'/></retract></pubsub>");
        Assert.True(retracted.Attr("type") == "result", retracted.ToString());
        await carol.ExpectServiceEventAsync("news", s => s.Descendants(PepClient.E + "retract").Any(r => r.Attr("id") == "first"));
        var items = await carol.ItemsOfAsync("news");
        Assert.Equal(["second"], items.Descendants(PepClient.P + "item").Select(i => i.Attr("id")));

        // A whitelist node is closed to others: <not-allowed/> with <closed-node/>.
        var secret = await alice.CreateNodeAsync("secret",
            "<configure><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#node_config</value></field>" +
            "<field var='pubsub#access_model'><value>whitelist</value></field></x></configure>");
        Assert.True(secret.Attr("type") == "result", secret.ToString());
        var closed = await bob.SubscribeAsync("secret");
        Assert.Equal(("not-allowed", "closed-node"), (closed.ErrorCondition(), closed.PubSubErrorCondition()));

        // Deleting the node tells its subscribers.
        var deleted = await alice.OwnerAsync("set", "<delete node='news'/>");
        Assert.True(deleted.Attr("type") == "result", deleted.ToString());
        await bob.ExpectServiceEventAsync("news", s => s.Descendants(PepClient.E + "delete").Any());
        Assert.Equal("item-not-found", (await bob.ItemsOfAsync("news")).ErrorCondition());
    }

    [Fact]
    public async Task Nodes_items_and_subscriptions_survive_kill_9_of_the_service()
    {
        await using var cluster = await Cluster.StartAsync();
        await cluster.StartPubSubAsync("--PubSub:DefaultMaxItems=2");
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 60);
        var alice = await clients.LoginAsync(await cluster.NewUserAsync("psk-alice"), cluster.C2s1Port, "desk");
        var bob = await clients.LoginAsync(await cluster.NewUserAsync("psk-bob"), cluster.C2s2Port, "phone");

        var instant = await alice.CreateNodeAsync(null);
        var node = instant.Descendants(PepClient.P + "create").Single().Attr("node");
        Assert.False(string.IsNullOrEmpty(node), instant.ToString());
        Assert.True((await bob.SubscribeAsync(node)).Attr("type") == "result");
        foreach (var n in new[] { "one", "two", "three" })
        {
            Assert.True((await alice.PublishToAsync(node, n, News(n))).Attr("type") == "result");
            await bob.ExpectServiceEventAsync(node, s => s.EventItem()?.Attr("id") == n);
        }

        cluster.PubSub!.Kill9();
        await cluster.PubSub.Exited.WaitAsync(TimeSpan.FromSeconds(10));
        await cluster.RestartPubSubAsync();
        var listedByCtl = await cluster.CtlAsync("components"); // bound again, as xmppctl sees it
        Assert.Contains($"component/{Cluster.PubSubDomain} ", listedByCtl.Stdout);

        var listed = await bob.IqAsync("get", Cluster.PubSubDomain, "<query xmlns='http://jabber.org/protocol/disco#items'/>");
        Assert.Contains(node, listed.Descendants(DiscoItems + "item").Select(i => i.Attr("node")));
        var items = await bob.ItemsOfAsync(node);
        Assert.Equal(["two", "three"], items.Descendants(PepClient.P + "item").Select(i => i.Attr("id"))); // max_items 2 kept
        Assert.Equal("three", items.Descendants(Entry + "title").Last().Value);

        // The subscription and the ownership came back too: alice still publishes, bob still hears.
        Assert.True((await alice.PublishToAsync(node, "four", News("four"))).Attr("type") == "result");
        await bob.ExpectServiceEventAsync(node, s => s.EventItem()?.Attr("id") == "four");
        var subscriptions = await alice.OwnerAsync("get", $"<subscriptions node='{node}'/>");
        Assert.Equal([bob.Jid], subscriptions.Descendants(XName.Get("subscription", PepClient.PubSubOwner)).Select(s => s.Attr("jid")));
    }
}
