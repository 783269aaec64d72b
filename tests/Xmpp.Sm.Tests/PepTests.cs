using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Common.PubSub;
using Xmpp.Sm.Modules.Caps;
using Xmpp.Sm.Tests.Stores;
using static Xmpp.Sm.Tests.ImAssertions;
using static Xmpp.Sm.Tests.SmHarness;
using Xmpp.Protos;
using Session = Xmpp.Protos.Session;
using Action = Xmpp.Protos.Session.Types.Action;

namespace Xmpp.Sm.Tests;

/// <summary>XEP-0163 in sm, frames in and out: last items on (re)appearing, retract notifications, limits, account deletion.</summary>
public abstract class PepTests : IDisposable
{
    private const string Tune = "http://jabber.org/protocol/tune";
    private static readonly XNamespace P = PubSubNs.P;
    private static readonly XNamespace E = PubSubNs.E;
    private readonly IStoreProvider _stores;
    private readonly SmHarness _h;

    protected PepTests(IStoreProvider stores)
    {
        _stores = stores;
        _h = new SmHarness(settings: new Dictionary<string, string?> { ["Sm:Pep:MaxItemBytes"] = "300", ["Sm:Pep:MaxResultBytes"] = "700" }, store: _stores.NewStore());
        _h.CreateUser("alice");
        _h.CreateUser("bob");
    }

    public void Dispose() => _h.Dispose();

    private static string CapsFeatures(params string[] features) =>
        "<identity category='client' type='pc' name='test'/>" + string.Concat(features.Select(f => $"<feature var='{f}'/>"));

    /// <summary>Sends available presence with caps for the features (answering sm's query if it asks); the frames it caused.</summary>
    private List<Frame> Available(Client client, params string[] features)
    {
        var ver = CapsHash.Compute(XElement.Parse($"<query xmlns='{Ns.DiscoInfo}'>{CapsFeatures(features)}</query>"), "sha-1");
        var frames = _h.Send(client, $"<presence><c xmlns='{CapsModule.Namespace}' hash='sha-1' node='n' ver='{ver}'/></presence>");
        if (StanzasTo(frames, client).SingleOrDefault(s => s.Name == C("iq")) is { } query)
            frames.AddRange(_h.Send(client, $"<iq type='result' id='{query.Attribute("id")!.Value}' to='{Bare(client.Jid)}'><query xmlns='{Ns.DiscoInfo}'>{CapsFeatures(features)}</query></iq>"));
        return frames;
    }

    private XElement Publish(Client client, string node, string id, string payload, string? optionsXml = null) =>
        StanzasTo(_h.Send(client, $"<iq type='set' id='p-{id}'><pubsub xmlns='{PubSubNs.PubSub}'><publish node='{node}'><item id='{id}'>{payload}</item></publish>{optionsXml}</pubsub></iq>"), client)
            .Single(s => (string?)s.Attribute("id") == $"p-{id}");

    private static IEnumerable<XElement> Events(IEnumerable<Frame> frames, Client client, string node) =>
        StanzasTo(frames, client).Where(s => s.Name == C("message") && s.Element(E + "event")?.Element(E + "items")?.Attribute("node")?.Value == node);

    [Fact]
    public void A_resource_gets_the_last_item_when_it_comes_online_and_again_after_being_unavailable()
    {
        var alice = _h.OnlineInterested("alice@localhost/phone");
        var bob = _h.OnlineInterested("bob@localhost/desk", c2s: C2s2);
        _h.MakeMutual(alice, bob);
        Assert.Equal("result", (string?)Publish(alice, Tune, "t1", $"<tune xmlns='{Tune}'><title>One</title></tune>").Attribute("type"));
        Assert.Equal("result", (string?)Publish(alice, Tune, "t2", $"<tune xmlns='{Tune}'><title>Two</title></tune>").Attribute("type"));

        var first = Events(Available(bob, Tune + "+notify"), bob, Tune).Single();
        Assert.Equal("t2", (string?)first.Element(E + "event")!.Element(E + "items")!.Element(E + "item")!.Attribute("id"));
        Assert.Empty(Events(_h.Send(bob, "<presence><show>away</show></presence>"), bob, Tune)); // no caps, nothing changed

        _h.Send(bob, "<presence type='unavailable'/>");
        var again = Events(Available(bob, Tune + "+notify"), bob, Tune).Single(); // the ver is cached now: no query
        Assert.Equal("t2", (string?)again.Element(E + "event")!.Element(E + "items")!.Element(E + "item")!.Attribute("id"));
    }

    [Fact]
    public void A_retraction_is_notified_and_an_oversized_item_is_refused_with_payload_too_big()
    {
        var alice = _h.OnlineInterested("alice@localhost/phone");
        Available(alice, Tune + "+notify");
        Publish(alice, Tune, "t1", $"<tune xmlns='{Tune}'/>");
        var frames = _h.Send(alice, $"<iq type='set' id='r'><pubsub xmlns='{PubSubNs.PubSub}'><retract node='{Tune}' notify='true'><item id='t1'/></retract></pubsub></iq>");
        Assert.Equal("result", (string?)StanzasTo(frames, alice).Single(s => s.Name == C("iq")).Attribute("type"));
        Assert.Equal("t1", (string?)Events(frames, alice, Tune).Single().Descendants(E + "retract").Single().Attribute("id"));

        var big = Publish(alice, Tune, "big", $"<tune xmlns='{Tune}'><title>{new string('x', 400)}</title></tune>");
        Assert.Equal("not-acceptable", ErrorCondition(big));
        Assert.NotNull(big.Element(C("error"))!.Element(XName.Get("payload-too-big", PubSubNs.Errors)));
    }

    [Fact]
    public void Deleting_an_account_removes_its_nodes_and_its_places_on_others_whitelists()
    {
        var alice = _h.OnlineInterested("alice@localhost/phone");
        const string node = "urn:example:diary";
        Publish(alice, node, "d1", "<entry xmlns='urn:example:diary'/>",
            $"<publish-options><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>{PubSubNs.PublishOptionsForm}</value></field><field var='pubsub#access_model'><value>whitelist</value></field></x></publish-options>");
        _h.Send(alice, $"<iq type='set' id='aff'><pubsub xmlns='{PubSubNs.Owner}'><affiliations node='{node}'><affiliation jid='bob@localhost' affiliation='member'/></affiliations></pubsub></iq>");
        Assert.Equal(1L, ((Xmpp.Sm.Storage.IModuleStore)_h.Storage).Scalar<long>("SELECT COUNT(*) FROM pep_affiliations WHERE jid = 'bob@localhost'"));

        Assert.Equal(Action.Deleted, _h.Request(Ctl, new Session { Action = Action.Delete, Target = "bob@localhost" }).Session.Action);
        Assert.Equal(0L, ((Xmpp.Sm.Storage.IModuleStore)_h.Storage).Scalar<long>("SELECT COUNT(*) FROM pep_affiliations WHERE jid = 'bob@localhost'"));
        _h.Handle(End(alice));
        Assert.Equal(Action.Deleted, _h.Request(Ctl, new Session { Action = Action.Delete, Target = "alice@localhost" }).Session.Action);
        Assert.Equal(0L, ((Xmpp.Sm.Storage.IModuleStore)_h.Storage).Scalar<long>("SELECT COUNT(*) FROM pep_nodes"));
        Assert.Equal(0L, ((Xmpp.Sm.Storage.IModuleStore)_h.Storage).Scalar<long>("SELECT COUNT(*) FROM pep_items"));
    }

    private XElement Iq(Client client, string type, string payload, string? to = null)
    {
        var id = "iq-" + Guid.NewGuid().ToString("N")[..8];
        var toAttr = to is null ? "" : $" to='{to}'";
        return StanzasTo(_h.Send(client, $"<iq type='{type}' id='{id}'{toAttr}>{payload}</iq>"), client).Single(s => (string?)s.Attribute("id") == id);
    }

    private static string ConfigForm(params (string Var, string Value)[] fields) =>
        $"<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>{PubSubNs.NodeConfigForm}</value></field>" +
        string.Concat(fields.Select(f => $"<field var='{f.Var}'><value>{f.Value}</value></field>")) + "</x>";

    [Fact]
    public void The_owner_creates_configures_purges_and_deletes_nodes_and_the_roster_access_model_follows_groups()
    {
        var alice = _h.OnlineInterested("alice@localhost/phone");
        var bob = _h.OnlineInterested("bob@localhost/desk", c2s: C2s2);
        _h.MakeMutual(alice, bob);
        Available(bob, "urn:example:n+notify");
        const string node = "urn:example:n";

        Assert.Equal("result", (string?)Iq(alice, "set", $"<pubsub xmlns='{PubSubNs.PubSub}'><create node='{node}'/><configure>{ConfigForm(("pubsub#access_model", "roster"), ("pubsub#roster_groups_allowed", "Friends"))}</configure></pubsub>").Attribute("type"));
        Assert.Equal("conflict", ErrorCondition(Iq(alice, "set", $"<pubsub xmlns='{PubSubNs.PubSub}'><create node='{node}'/></pubsub>")));
        var form = Iq(alice, "get", $"<pubsub xmlns='{PubSubNs.Owner}'><configure node='{node}'/></pubsub>");
        Assert.Equal("roster", form.Descendants(XName.Get("field", PubSubNs.DataForms)).Single(f => (string?)f.Attribute("var") == "pubsub#access_model").Element(XName.Get("value", PubSubNs.DataForms))?.Value);
        Assert.NotNull(Iq(alice, "get", $"<pubsub xmlns='{PubSubNs.Owner}'><default/></pubsub>").Descendants(XName.Get("x", PubSubNs.DataForms)).SingleOrDefault());

        Publish(alice, node, "i1", "<v xmlns='urn:example:n'/>");
        Assert.Equal("not-in-roster-group", Iq(bob, "get", $"<pubsub xmlns='{PubSubNs.PubSub}'><items node='{node}'/></pubsub>", "alice@localhost")
            .Element(C("error"))!.Elements().Single(e => e.Name.NamespaceName == PubSubNs.Errors).Name.LocalName);
        _h.Send(alice, "<iq type='set' id='g'><query xmlns='jabber:iq:roster'><item jid='bob@localhost'><group>Friends</group></item></query></iq>");
        Assert.Equal("result", (string?)Iq(bob, "get", $"<pubsub xmlns='{PubSubNs.PubSub}'><items node='{node}'/></pubsub>", "alice@localhost").Attribute("type"));

        var purged = _h.Send(alice, $"<iq type='set' id='purge'><pubsub xmlns='{PubSubNs.Owner}'><purge node='{node}'/></pubsub></iq>");
        Assert.Single(StanzasTo(purged, bob), s => s.Descendants(E + "purge").Any());
        Assert.Empty(Iq(alice, "get", $"<pubsub xmlns='{PubSubNs.PubSub}'><items node='{node}'/></pubsub>").Descendants(P + "item"));

        Assert.Equal("result", (string?)Iq(alice, "set", $"<pubsub xmlns='{PubSubNs.Owner}'><configure node='{node}'>{ConfigForm(("pubsub#access_model", "presence"))}</configure></pubsub>").Attribute("type"));
        var deleted = _h.Send(alice, $"<iq type='set' id='del'><pubsub xmlns='{PubSubNs.Owner}'><delete node='{node}'/></pubsub></iq>");
        Assert.Single(StanzasTo(deleted, bob), s => s.Descendants(E + "delete").Any(d => (string?)d.Attribute("node") == node));
        Assert.Equal("item-not-found", ErrorCondition(Iq(bob, "get", $"<pubsub xmlns='{PubSubNs.PubSub}'><items node='{node}'/></pubsub>", "alice@localhost")));
    }

    [Fact]
    public void An_items_answer_larger_than_the_result_limit_returns_the_newest_items_that_fit_with_the_total_count()
    {
        var alice = _h.OnlineInterested("alice@localhost/phone");
        const string node = "urn:example:big";
        var max = $"<publish-options><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>{PubSubNs.PublishOptionsForm}</value></field><field var='pubsub#max_items'><value>max</value></field></x></publish-options>";
        foreach (var id in new[] { "a", "b", "c", "d" })
            Assert.Equal("result", (string?)Publish(alice, node, id, $"<v xmlns='urn:example:big'>{new string('x', 150)}</v>", max).Attribute("type"));

        var answer = Iq(alice, "get", $"<pubsub xmlns='{PubSubNs.PubSub}'><items node='{node}'/></pubsub>");
        var pubsub = answer.Element(P + "pubsub")!;
        Assert.Equal(["c", "d"], pubsub.Element(P + "items")!.Elements(P + "item").Select(i => (string?)i.Attribute("id") ?? ""));
        XNamespace rsm = "http://jabber.org/protocol/rsm";
        Assert.Equal("4", pubsub.Element(rsm + "set")?.Element(rsm + "count")?.Value);
    }

    [Fact]
    public void The_last_items_a_resource_gets_at_once_stay_within_the_result_limit()
    {
        var alice = _h.OnlineInterested("alice@localhost/phone");
        var bob = _h.OnlineInterested("bob@localhost/desk", c2s: C2s2);
        _h.MakeMutual(alice, bob);
        var nodes = new[] { "urn:example:n1", "urn:example:n2", "urn:example:n3", "urn:example:n4" };
        foreach (var node in nodes) Publish(alice, node, "last", $"<v xmlns='urn:example:n'>{new string('x', 150)}</v>");

        var frames = Available(bob, nodes.Select(n => n + "+notify").ToArray());
        var events = StanzasTo(frames, bob).Where(s => s.Name == C("message") && s.Element(E + "event") is not null).ToList();
        Assert.InRange(events.Count, 1, 2); // each is over 300 bytes: at most two fit in 700
        Assert.True(events.Sum(e => Xmpp.Common.Stanzas.StanzaCodec.ToBytes(e).Length) <= 700);
    }
}

public sealed class PepTestsOnSqlite() : PepTests(StoreProviders.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class PepTestsOnPostgres(PostgresFixture postgres) : PepTests(postgres);
