using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xmpp.Integration.Tests.Rfc6121;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Xep0163;

/// <summary>
/// Issue #19, XEP-0163 PEP with XEP-0115 caps through real sockets: notifications reach exactly the
/// resources whose caps ask for the node, publish-options are preconditions, access models keep
/// others out, XEP-0084 avatar metadata reaches contacts (and a resource coming online later gets the last item).
/// </summary>
public sealed class PepTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    private const string Tune = "http://jabber.org/protocol/tune";
    private const string AvatarData = "urn:xmpp:avatar:data";
    private const string AvatarMetadata = "urn:xmpp:avatar:metadata";

    [Fact]
    public async Task Notifications_reach_only_resources_whose_caps_ask_for_the_node_and_only_of_users_allowed_to_read()
    {
        var aliceAccount = await Cluster.NewUserAsync("pep-alice");
        var bobAccount = await Cluster.NewUserAsync("pep-bob");
        var carolAccount = await Cluster.NewUserAsync("pep-carol");
        var alice = await LoginAsync(aliceAccount, C2s1, "phone", presence: false);
        var bobNotify = await LoginAsync(bobAccount, C2s2, "notify", presence: false);
        var bobPlain = await LoginAsync(bobAccount, C2s1, "plain", presence: false);
        var carol = await LoginAsync(carolAccount, C2s2, "laptop", presence: false);
        await alice.AnnounceCapsAsync([Tune]); // no +notify: the publisher's own resource does not ask
        await bobNotify.AnnounceCapsAsync([Tune, Tune + "+notify"]);
        await bobPlain.AnnounceCapsAsync([Tune, "urn:example:other+notify"]);
        await carol.AnnounceCapsAsync([Tune, Tune + "+notify"], expectQuery: false); // bob's ver, verified and cached: no query; asks, but has no presence subscription
        await ImClient.MakeMutualAsync(alice, bobNotify);

        var answer = await alice.PublishAsync(Tune, "current", $"<tune xmlns='{Tune}'><artist>Yes</artist><title>Heart of the Sunrise</title></tune>");
        Assert.Equal("result", answer.Attr("type"));
        Assert.Equal("current", answer.Child(PepClient.PubSub, "pubsub")?.Element(PepClient.P + "publish")?.Element(PepClient.P + "item")?.Attr("id"));

        var notification = await bobNotify.ExpectAsync(s => s.IsEvent(aliceAccount.Jid, Tune), what: "alice's tune event");
        Assert.Equal("headline", notification.Attr("type"));
        Assert.Equal(bobNotify.Jid, notification.Attr("to"));
        Assert.Equal("current", notification.EventItem()?.Attr("id"));
        Assert.Equal("Yes", notification.EventItem()?.Elements().Single().Elements().First().Value);

        await ImClient.AssertNothingAsync(alice, bobPlain, s => s.IsEvent(aliceAccount.Jid, Tune), "a tune event (its caps have no +notify for it)");
        await ImClient.AssertNothingAsync(alice, carol, s => s.IsEvent(aliceAccount.Jid, Tune), "a tune event (no presence subscription to alice)");
        await ImClient.AssertNothingAsync(alice, alice, s => s.IsEvent(aliceAccount.Jid, Tune), "its own tune event (its caps do not ask)");

        // The presence access model: bob (subscribed) may read the node, carol may not.
        var items = await bobPlain.GetItemsAsync(aliceAccount.Jid, Tune);
        Assert.Equal("result", items.Attr("type"));
        Assert.Equal("current", items.Child(PepClient.PubSub, "pubsub")?.Element(PepClient.P + "items")?.Element(PepClient.P + "item")?.Attr("id"));
        var refused = await carol.GetItemsAsync(aliceAccount.Jid, Tune);
        Assert.Equal("error", refused.Attr("type"));
        Assert.Equal("not-authorized", refused.ErrorCondition());
        Assert.Equal("presence-subscription-required", refused.PubSubErrorCondition());
    }

    [Fact]
    public async Task Publish_options_that_the_existing_node_does_not_meet_get_conflict_precondition_not_met()
    {
        var aliceAccount = await Cluster.NewUserAsync("pep-po");
        var alice = await LoginAsync(aliceAccount, C2s1, "phone", presence: false);
        const string node = "urn:example:settings";

        var created = await alice.PublishAsync(node, "one", "<settings xmlns='urn:example:settings'>1</settings>",
            new Dictionary<string, string> { ["pubsub#access_model"] = "whitelist", ["pubsub#max_items"] = "max", ["pubsub#persist_items"] = "true" });
        Assert.Equal("result", created.Attr("type"));

        var same = await alice.PublishAsync(node, "two", "<settings xmlns='urn:example:settings'>2</settings>",
            new Dictionary<string, string> { ["pubsub#access_model"] = "whitelist", ["pubsub#persist_items"] = "1" });
        Assert.Equal("result", same.Attr("type"));

        var conflict = await alice.PublishAsync(node, "three", "<settings xmlns='urn:example:settings'>3</settings>",
            new Dictionary<string, string> { ["pubsub#access_model"] = "open" });
        Assert.Equal("error", conflict.Attr("type"));
        Assert.Equal("conflict", conflict.ErrorCondition());
        Assert.Equal("precondition-not-met", conflict.PubSubErrorCondition());
        Assert.Equal("cancel", conflict.Elements().Single(e => e.Name.LocalName == "error").Attr("type"));

        var items = await alice.GetItemsAsync(null, node);
        var ids = items.Descendants(PepClient.P + "item").Select(i => i.Attr("id") ?? "").ToArray();
        Assert.Equal(new[] { "one", "two" }, ids); // the refused item was not stored
    }

    [Fact]
    public async Task The_whitelist_access_model_keeps_a_subscribed_contact_from_reading_until_the_owner_makes_it_a_member()
    {
        var aliceAccount = await Cluster.NewUserAsync("pep-wl-alice");
        var bobAccount = await Cluster.NewUserAsync("pep-wl-bob");
        var alice = await LoginAsync(aliceAccount, C2s1, "phone");
        var bob = await LoginAsync(bobAccount, C2s2, "desk");
        await alice.AvailableAsync();
        await bob.AvailableAsync();
        await ImClient.MakeMutualAsync(alice, bob);
        const string node = "urn:example:diary";

        var published = await alice.PublishAsync(node, "d1", "<entry xmlns='urn:example:diary'>secret</entry>",
            new Dictionary<string, string> { ["pubsub#access_model"] = "whitelist" });
        Assert.Equal("result", published.Attr("type"));

        var refused = await bob.GetItemsAsync(aliceAccount.Jid, node);
        Assert.Equal("error", refused.Attr("type"));
        Assert.Equal("not-allowed", refused.ErrorCondition());
        Assert.Equal("closed-node", refused.PubSubErrorCondition());
        Assert.DoesNotContain("secret", refused.ToString());

        var affiliation = await alice.IqAsync("set", null,
            $"<pubsub xmlns='{PepClient.PubSubOwner}'><affiliations node='{node}'><affiliation jid='{bobAccount.Jid}' affiliation='member'/></affiliations></pubsub>");
        Assert.Equal("result", affiliation.Attr("type"));
        var allowed = await bob.GetItemsAsync(aliceAccount.Jid, node);
        Assert.Equal("result", allowed.Attr("type"));
        Assert.Equal("secret", allowed.Descendants(PepClient.P + "item").Single().Value);

        // Only the owner manages its nodes.
        var notOwner = await bob.IqAsync("set", aliceAccount.Jid, $"<pubsub xmlns='{PepClient.PubSubOwner}'><delete node='{node}'/></pubsub>");
        Assert.Equal("forbidden", notOwner.ErrorCondition());
        var notPublisher = await bob.IqAsync("set", aliceAccount.Jid, $"<pubsub xmlns='{PepClient.PubSub}'><publish node='{node}'><item><entry xmlns='urn:example:diary'>x</entry></item></publish></pubsub>");
        Assert.Equal("forbidden", notPublisher.ErrorCondition());
    }

    [Fact]
    public async Task Avatar_metadata_reaches_a_contact_and_a_resource_coming_online_later_gets_the_last_item()
    {
        var aliceAccount = await Cluster.NewUserAsync("pep-av-alice");
        var bobAccount = await Cluster.NewUserAsync("pep-av-bob");
        var alice = await LoginAsync(aliceAccount, C2s1, "phone");
        var bob = await LoginAsync(bobAccount, C2s2, "desk", presence: false);
        await alice.AvailableAsync();
        var bobFeatures = new[] { AvatarMetadata, AvatarMetadata + "+notify" };
        await bob.AnnounceCapsAsync(bobFeatures);
        await ImClient.MakeMutualAsync(alice, bob);

        const string png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
        const string hash = "e8b6b4a3e5c1f7b0c9d2a1f3e4b5c6d7e8f9a0b1";
        var data = await alice.PublishAsync(AvatarData, hash, $"<data xmlns='{AvatarData}'>{png}</data>");
        Assert.Equal("result", data.Attr("type"));
        var metadata = await alice.PublishAsync(AvatarMetadata, hash,
            $"<metadata xmlns='{AvatarMetadata}'><info bytes='70' id='{hash}' height='1' width='1' type='image/png'/></metadata>");
        Assert.Equal("result", metadata.Attr("type"));

        var notification = await bob.ExpectAsync(s => s.IsEvent(aliceAccount.Jid, AvatarMetadata), what: "alice's avatar metadata event");
        Assert.Equal(hash, notification.EventItem()?.Attr("id"));
        Assert.Equal(hash, notification.EventItem()?.Elements().Single().Elements().Single().Attr("id"));
        // bob's caps do not ask for the data node: it fetches the data itself.
        await ImClient.AssertNothingAsync(alice, bob, s => s.IsEvent(aliceAccount.Jid, AvatarData), "an avatar data event");
        var fetched = await bob.GetItemsAsync(aliceAccount.Jid, AvatarData);
        Assert.Equal(png, fetched.Descendants(PepClient.P + "item").Single().Value);

        // A second resource of bob with the same caps (cached: no query) comes online and gets the last metadata item.
        var bobLater = await LoginAsync(bobAccount, C2s1, "later", presence: false);
        await bobLater.AnnounceCapsAsync(bobFeatures, expectQuery: false);
        var last = await bobLater.ExpectAsync(s => s.IsEvent(aliceAccount.Jid, AvatarMetadata), what: "the last avatar metadata item");
        Assert.Equal(hash, last.EventItem()?.Attr("id"));
        Assert.DoesNotContain(bobLater.History, s => s.IsIq() && s.Attr("type") == "get" && s.Child("http://jabber.org/protocol/disco#info", "query") is not null);
    }

    [Fact]
    public async Task An_omemo_device_list_with_the_open_access_model_is_readable_by_anyone_and_its_bundle_too()
    {
        const string devices = "eu.siacs.conversations.axolotl.devicelist";
        const string bundle = "eu.siacs.conversations.axolotl.bundles:4223";
        var aliceAccount = await Cluster.NewUserAsync("pep-omemo-alice");
        var strangerAccount = await Cluster.NewUserAsync("pep-omemo-stranger");
        var alice = await LoginAsync(aliceAccount, C2s1, "phone");
        var stranger = await LoginAsync(strangerAccount, C2s2, "desk");
        var open = new Dictionary<string, string> { ["pubsub#access_model"] = "open" };

        var list = await alice.PublishAsync(devices, "current", "<list xmlns='eu.siacs.conversations.axolotl'><device id='4223'/></list>", open);
        Assert.True(list.Attr("type") == "result", list.Text());
        var keys = await alice.PublishAsync(bundle, "current",
            "<bundle xmlns='eu.siacs.conversations.axolotl'><signedPreKeyPublic signedPreKeyId='1'>BQ==</signedPreKeyPublic><identityKey>BQ==</identityKey></bundle>", open);
        Assert.True(keys.Attr("type") == "result", keys.Text());

        var read = await stranger.GetItemsAsync(aliceAccount.Jid, devices);
        Assert.True(read.Attr("type") == "result", read.Text());
        Assert.Equal("4223", read.Descendants().Single(e => e.Name.LocalName == "device").Attr("id"));
        var bundleRead = await stranger.GetItemsAsync(aliceAccount.Jid, bundle, max: 1);
        Assert.True(bundleRead.Attr("type") == "result", bundleRead.Text());
        Assert.Single(bundleRead.Descendants(), e => e.Name.LocalName == "identityKey");

        // A new device list replaces the old one (max_items 1 by default, item id 'current').
        await alice.PublishAsync(devices, "current", "<list xmlns='eu.siacs.conversations.axolotl'><device id='4223'/><device id='77'/></list>", open);
        var replaced = await stranger.GetItemsAsync(aliceAccount.Jid, devices);
        Assert.Single(replaced.Descendants(PepClient.P + "item"));
        Assert.Equal(2, replaced.Descendants().Count(e => e.Name.LocalName == "device"));
    }

    [Fact]
    public async Task An_account_disco_info_shows_the_pep_identity_and_features()
    {
        var aliceAccount = await Cluster.NewUserAsync("pep-disco");
        var alice = await LoginAsync(aliceAccount, C2s1, "phone");
        var info = await alice.IqAsync("get", aliceAccount.Jid, "<query xmlns='http://jabber.org/protocol/disco#info'/>");
        Assert.Equal("result", info.Attr("type"));
        var query = info.Child("http://jabber.org/protocol/disco#info", "query")!;
        Assert.Contains(query.Elements(), e => e.Name.LocalName == "identity" && e.Attr("category") == "pubsub" && e.Attr("type") == "pep");
        var features = query.Elements().Where(e => e.Name.LocalName == "feature").Select(e => e.Attr("var")).ToArray();
        Assert.Contains(PepClient.PubSub + "#publish", features);
        Assert.Contains(PepClient.PubSub + "#publish-options", features);
        Assert.Contains(PepClient.PubSub + "#access-whitelist", features);
    }
}
