using System.Xml.Linq;
using Xmpp.Common.PubSub;

namespace Xmpp.Common.Tests;

/// <summary>The I/O-free XEP-0060 node engine (used by sm's PEP): create-on-publish, preconditions, items, limits, access models.</summary>
public sealed class PubSubEngineTests
{
    private const string Owner = "alice@localhost";
    private static readonly XNamespace Tune = "http://jabber.org/protocol/tune";

    /// <summary>A store in memory; items in publication order.</summary>
    private sealed class MemoryStore : IPubSubStore
    {
        private readonly Dictionary<(string, string), NodeConfig> _nodes = [];
        private readonly Dictionary<(string, string), List<PubSubItem>> _items = [];
        private readonly Dictionary<(string, string, string), Affiliation> _affiliations = [];

        public NodeConfig? GetNode(string service, string node) => _nodes.GetValueOrDefault((service, node));
        public IReadOnlyList<string> Nodes(string service) => _nodes.Keys.Where(k => k.Item1 == service).Select(k => k.Item2).ToList();
        public void PutNode(string service, string node, NodeConfig config) => _nodes[(service, node)] = config;
        public bool DeleteNode(string service, string node)
        {
            _items.Remove((service, node));
            return _nodes.Remove((service, node));
        }

        private List<PubSubItem> ItemsOf(string service, string node) =>
            _items.TryGetValue((service, node), out var list) ? list : _items[(service, node)] = [];

        public void PutItem(string service, string node, PubSubItem item, int keep)
        {
            var list = ItemsOf(service, node);
            list.RemoveAll(i => i.Id == item.Id);
            list.Add(item);
            if (list.Count > keep) list.RemoveRange(0, list.Count - keep);
        }

        public IReadOnlyList<PubSubItem> Items(string service, string node, int? max = null, IReadOnlyCollection<string>? ids = null)
        {
            var list = ItemsOf(service, node);
            if (ids is not null) return list.Where(i => ids.Contains(i.Id)).ToList();
            return max is { } m ? list.TakeLast(m).ToList() : list.ToList();
        }

        public bool RetractItem(string service, string node, string id) => ItemsOf(service, node).RemoveAll(i => i.Id == id) > 0;
        public void Purge(string service, string node) => ItemsOf(service, node).Clear();
        public (int Count, bool HasId) ItemCount(string service, string node, string id) => (ItemsOf(service, node).Count, ItemsOf(service, node).Any(i => i.Id == id));
        public long PayloadBytes(string service) =>
            _items.Where(kv => kv.Key.Item1 == service).SelectMany(kv => kv.Value).Sum(i => (long)i.Payload.ToString(SaveOptions.DisableFormatting).Length);
        public Affiliation GetAffiliation(string service, string node, string jid) => _affiliations.GetValueOrDefault((service, node, jid));
        public IReadOnlyDictionary<string, Affiliation> Affiliations(string service, string node) =>
            _affiliations.Where(kv => kv.Key.Item1 == service && kv.Key.Item2 == node).ToDictionary(kv => kv.Key.Item3, kv => kv.Value);
        public void SetAffiliation(string service, string node, string jid, Affiliation affiliation) => _affiliations[(service, node, jid)] = affiliation;
    }

    private readonly PubSubService _engine = new(new MemoryStore(), new PubSubLimits(MaxItemsPerNode: 3, MaxItemBytes: 200, MaxNodesPerService: 2), TimeProvider.System);

    private static XElement Song(string title) => new(Tune + "tune", new XElement(Tune + "title", title));

    private static Dictionary<string, IReadOnlyList<string>> Form(params (string Var, string Value)[] fields) =>
        fields.ToDictionary(f => f.Var, f => (IReadOnlyList<string>)[f.Value]);

    private PubSubResult<Published> Publish(string node, string? id, XElement? payload, Dictionary<string, IReadOnlyList<string>>? options = null) =>
        _engine.Publish(Owner, Requester.Owner, node, Owner, id, payload, options);

    [Fact]
    public void Without_a_subscription_store_PEP_keeps_its_rules_no_subscribing_no_instant_nodes_create_on_publish()
    {
        Assert.Equal(PubSubError.Unsupported("subscribe"), _engine.Subscribe(Owner, Requester.Stranger, "n", "bob@localhost").Error);
        Assert.Equal(PubSubError.NodeIdRequired, _engine.Create(Owner, Requester.Owner, "", null).Error);
        Assert.True(Publish("auto", "1", Song("a")).Value!.Created);
        Assert.Empty(_engine.NotificationTargets(Owner, "auto", _engine.Node(Owner, "auto")!));
    }

    [Fact]
    public void Publishing_creates_the_node_with_the_publish_options_and_later_publishes_must_meet_them()
    {
        var first = Publish("n", "1", Song("a"), Form(("pubsub#access_model", "open"), ("pubsub#max_items", "max")));
        Assert.True(first.Ok);
        Assert.True(first.Value!.Created);
        Assert.Equal(AccessModel.Open, first.Value.Config.AccessModel);

        Assert.True(Publish("n", "2", Song("b"), Form(("pubsub#access_model", "open"), ("pubsub#max_items", "3"))).Ok); // "max" is the limit, 3
        Assert.True(Publish("n", "3", Song("c")).Ok); // no options: no preconditions
        var refused = Publish("n", "4", Song("d"), Form(("pubsub#access_model", "presence")));
        Assert.Equal(PubSubError.PreconditionNotMet, refused.Error);
        Assert.Equal(["1", "2", "3"], _engine.Items(Owner, Requester.Owner, "n", null, null).Value!.Select(i => i.Id));
    }

    [Fact]
    public void A_node_keeps_its_newest_max_items_and_a_republished_id_becomes_the_newest()
    {
        Publish("n", "1", Song("a"), Form(("pubsub#max_items", "2")));
        Publish("n", "2", Song("b"));
        Publish("n", "1", Song("a again"));
        Publish("n", "3", Song("c"));
        var items = _engine.Items(Owner, Requester.Owner, "n", null, null).Value!;
        Assert.Equal(["1", "3"], items.Select(i => i.Id));
        Assert.Equal("a again", items[0].Payload.Value);
        Assert.Equal("3", _engine.LastItem(Owner, "n")!.Id);
        Assert.Equal(["3"], _engine.Items(Owner, Requester.Owner, "n", 1, null).Value!.Select(i => i.Id));
    }

    [Fact]
    public void Limits_are_refused_with_the_xep_errors()
    {
        Assert.Equal(PubSubError.PayloadTooBig, Publish("n", "big", Song(new string('x', 300))).Error);
        Assert.Equal(PubSubError.PayloadRequired, Publish("n", "none", null).Error);
        Assert.Equal("not-acceptable", Publish("n", "1", Song("a"), Form(("pubsub#max_items", "4"))).Error!.Condition);
        Assert.True(Publish("one", null, Song("a")).Ok);
        Assert.True(Publish("two", null, Song("a")).Ok);
        Assert.Equal("resource-constraint", Publish("three", null, Song("a")).Error!.Condition); // at most 2 nodes
        Assert.Equal(PubSubError.Forbidden, _engine.Publish(Owner, Requester.Stranger, "one", "mallory@localhost", null, Song("x"), null).Error);
    }

    [Fact]
    public void A_node_keeping_max_items_refuses_a_new_item_when_full_instead_of_dropping_the_oldest_but_takes_a_replacement()
    {
        var max = Form(("pubsub#max_items", "max"));
        foreach (var id in new[] { "1", "2", "3" }) Assert.True(Publish("bookmarks", id, Song(id), max).Ok);
        Assert.Equal("resource-constraint", Publish("bookmarks", "4", Song("4"), max).Error!.Condition);
        Assert.Equal("resource-constraint", Publish("bookmarks", null, Song("no id"), max).Error!.Condition);
        Assert.True(Publish("bookmarks", "2", Song("2 renamed"), max).Ok);
        Assert.Equal(["1", "3", "2"], _engine.Items(Owner, Requester.Owner, "bookmarks", null, null).Value!.Select(i => i.Id));
    }

    [Theory]
    [InlineData("open", false, false, null, null)]
    [InlineData("presence", true, false, null, null)]
    [InlineData("presence", false, false, null, "presence-subscription-required")]
    [InlineData("roster", true, true, null, null)]
    [InlineData("roster", true, false, null, "not-in-roster-group")]
    [InlineData("whitelist", true, true, null, "closed-node")]
    [InlineData("whitelist", false, false, "member", null)]
    [InlineData("open", true, true, "outcast", null)]
    public void Access_models_decide_who_reads(string model, bool subscribed, bool inGroup, string? affiliation, string? appCondition)
    {
        var config = new NodeConfig { AccessModel = PubSubNames.ParseAccessModel(model)!.Value, RosterGroupsAllowed = ["friends"] };
        var who = new Requester(false, subscribed, inGroup ? ["friends"] : ["others"], PubSubNames.ParseAffiliation(affiliation ?? "none")!.Value);
        var error = AccessRules.CheckRead(config, who);
        if (affiliation == "outcast") Assert.Equal(PubSubError.Forbidden, error);
        else Assert.Equal(appCondition, error?.AppCondition);
        Assert.Null(AccessRules.CheckRead(config, Requester.Owner));
    }

    [Fact]
    public void Notifications_need_the_plus_notify_feature_and_read_access()
    {
        var config = new NodeConfig();
        var subscriber = new Requester(false, true, []);
        Assert.True(AccessRules.ShouldNotify("n", config, subscriber, new HashSet<string> { "n+notify" }));
        Assert.False(AccessRules.ShouldNotify("n", config, subscriber, new HashSet<string> { "n", "m+notify" }));
        Assert.False(AccessRules.ShouldNotify("n", config, Requester.Stranger, new HashSet<string> { "n+notify" }));
        Assert.False(AccessRules.ShouldNotify("n", config with { DeliverNotifications = false }, subscriber, new HashSet<string> { "n+notify" }));
    }

    [Fact]
    public void Configuring_a_smaller_max_items_trims_and_bad_values_are_refused()
    {
        Publish("n", "1", Song("a"), Form(("pubsub#max_items", "3")));
        Publish("n", "2", Song("b"));
        Assert.True(_engine.Configure(Owner, Requester.Owner, "n", Form(("pubsub#max_items", "1"))).Ok);
        Assert.Equal(["2"], _engine.Items(Owner, Requester.Owner, "n", null, null).Value!.Select(i => i.Id));
        Assert.Equal("not-acceptable", _engine.Configure(Owner, Requester.Owner, "n", Form(("pubsub#access_model", "authorize"))).Error!.Condition);
        Assert.Equal(PubSubError.Forbidden, _engine.Configure(Owner, Requester.Stranger, "n", Form(("pubsub#max_items", "1"))).Error);
        Assert.Equal(PubSubError.NodeNotFound, _engine.Configure(Owner, Requester.Owner, "missing", Form()).Error);
    }

    [Fact]
    public void The_node_config_form_round_trips_through_fields()
    {
        var config = new NodeConfig { AccessModel = AccessModel.Whitelist, MaxItems = NodeConfig.Max, SendLastPublishedItem = "never" };
        var fields = NodeConfig.Fields(config.ToForm(), PubSubNs.NodeConfigForm)!;
        var (again, error) = new NodeConfig().Apply(fields, 10);
        Assert.Null(error);
        Assert.Equal(config with { Title = "" }, again! with { RosterGroupsAllowed = config.RosterGroupsAllowed });
        Assert.Null(NodeConfig.Fields(config.ToForm(), PubSubNs.PublishOptionsForm)); // another FORM_TYPE
    }
}
