using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Common.PubSub;
using static Xmpp.PubSub.Tests.ServiceHarness;

namespace Xmpp.PubSub.Tests;

/// <summary>XEP-0060 §8 node management and §5 discovery, as the service answers them.</summary>
public sealed class NodeLifecycleTests : IDisposable
{
    private const string Alice = "alice@localhost/desk";
    private const string Bob = "bob@localhost/phone";
    private static readonly XNamespace Info = Ns.DiscoInfo;
    private static readonly XNamespace Items = Ns.DiscoItems;
    private readonly ServiceHarness _h = new(new PubSubOptions { MaxNodesPerUser = 2, MaxItemBytes = 200 });

    public void Dispose() => _h.Dispose();

    [Fact]
    public void The_service_says_what_it_is_and_lists_what_it_implements()
    {
        var (answer, _) = _h.Iq(Bob, "get", new XElement(Info + "query"));
        Assert.Equal("result", answer.Type());
        var identity = answer.Descendants(Info + "identity").Single();
        Assert.Equal(("pubsub", "service"), ((string?)identity.Attribute("category"), (string?)identity.Attribute("type")));
        var features = answer.Descendants(Info + "feature").Select(f => (string?)f.Attribute("var")).ToHashSet();
        foreach (var f in new[] { "subscribe", "publish", "create-nodes", "instant-nodes", "delete-nodes", "purge-nodes", "retrieve-items", "access-open", "access-whitelist" })
            Assert.Contains(PubSubNs.Feature(f), features);
        Assert.DoesNotContain(PubSubNs.Feature("access-presence"), features);
    }

    [Fact]
    public void Create_names_instant_nodes_refuses_an_existing_name_and_strangers_from_other_servers()
    {
        Assert.Equal("result", _h.Create(Alice, "news").Type());
        Assert.Equal(("conflict", null), _h.Create(Bob, "news").Error());

        var instant = _h.Create(Alice, null);
        Assert.Equal("result", instant.Type());
        var name = (string?)instant.Descendants(P + "create").Single().Attribute("node");
        Assert.False(string.IsNullOrEmpty(name));
        Assert.NotNull(_h.Store.GetNode(Domain, name!));

        Assert.Equal(("forbidden", null), _h.Create("mallory@elsewhere.example/x", "theirs").Error());
    }

    [Fact]
    public void A_user_owns_at_most_MaxNodesPerUser_nodes()
    {
        Assert.Equal("result", _h.Create(Alice, "a").Type());
        Assert.Equal("result", _h.Create(Alice, "b").Type());
        Assert.Equal(("not-allowed", "max-nodes-exceeded"), _h.Create(Alice, "c").Error());
        Assert.Equal("result", _h.Create(Bob, "c").Type());
    }

    [Fact]
    public void Access_models_the_service_cannot_enforce_are_refused()
    {
        Assert.Equal("not-acceptable", _h.Create(Alice, "p", ("pubsub#access_model", "presence")).Error().Condition);
        Assert.Equal("not-acceptable", _h.Create(Alice, "r", ("pubsub#access_model", "authorize")).Error().Condition);
        Assert.Equal("result", _h.Create(Alice, "w", ("pubsub#access_model", "whitelist")).Type());
        var set = _h.Owner(Alice, "set", new XElement(O + "configure", new XAttribute("node", "w"),
            Form(PubSubNs.NodeConfigForm, ("pubsub#access_model", "roster"))));
        Assert.Equal("not-acceptable", set.Error().Condition);
    }

    [Fact]
    public void Only_owners_configure_delete_and_purge_and_the_form_offers_what_the_service_supports()
    {
        _h.Create(Alice, "news");
        Assert.Equal(("forbidden", null), _h.Owner(Bob, "get", new XElement(O + "configure", new XAttribute("node", "news"))).Error());
        Assert.Equal(("forbidden", null), _h.Owner(Bob, "set", new XElement(O + "delete", new XAttribute("node", "news"))).Error());
        Assert.Equal(("item-not-found", null), _h.Owner(Alice, "set", new XElement(O + "purge", new XAttribute("node", "none"))).Error());

        var form = _h.Owner(Alice, "get", new XElement(O + "configure", new XAttribute("node", "news")));
        var access = form.Descendants((XNamespace)PubSubNs.DataForms + "field").Single(f => (string?)f.Attribute("var") == "pubsub#access_model");
        Assert.Equal(["open", "whitelist"], access.Elements((XNamespace)PubSubNs.DataForms + "option").Select(o => o.Value));
        Assert.Equal("open", access.Element((XNamespace)PubSubNs.DataForms + "value")?.Value);

        var configured = _h.Owner(Alice, "set", new XElement(O + "configure", new XAttribute("node", "news"),
            Form(PubSubNs.NodeConfigForm, ("pubsub#title", "Daily news"), ("pubsub#max_items", "3"))));
        Assert.Equal("result", configured.Type());
        Assert.Equal("Daily news", _h.Store.GetNode(Domain, "news")!.Title);

        Assert.Equal("result", _h.Owner(Alice, "set", new XElement(O + "delete", new XAttribute("node", "news"))).Type());
        Assert.Null(_h.Store.GetNode(Domain, "news"));
    }

    [Fact]
    public void Disco_lists_readable_nodes_with_their_meta_data_and_items()
    {
        _h.Create(Alice, "news", ("pubsub#title", "Daily news"));
        _h.Create(Alice, "private", ("pubsub#access_model", "whitelist"));
        _h.Publish(Alice, "news", "one", Entry("One"));

        var (nodes, _) = _h.Iq(Bob, "get", new XElement(Items + "query"));
        Assert.Equal(["news"], nodes.Descendants(Items + "item").Select(i => (string?)i.Attribute("node")));
        var (ownerView, _) = _h.Iq(Alice, "get", new XElement(Items + "query"));
        Assert.Equal(["news", "private"], ownerView.Descendants(Items + "item").Select(i => (string?)i.Attribute("node")).Order());

        var (info, _) = _h.Iq(Bob, "get", new XElement(Info + "query", new XAttribute("node", "news")));
        var fields = info.Descendants((XNamespace)PubSubNs.DataForms + "field").ToDictionary(f => (string)f.Attribute("var")!, f => f.Elements().Select(v => v.Value).ToArray());
        Assert.Equal([PubSubNs.PubSub + "#meta_data"], fields["FORM_TYPE"]);
        Assert.Equal(["Daily news"], fields["pubsub#title"]);
        Assert.Equal(["alice@localhost"], fields["pubsub#owner"]);
        Assert.Equal(["open"], fields["pubsub#access_model"]);

        var (itemIds, _) = _h.Iq(Bob, "get", new XElement(Items + "query", new XAttribute("node", "news")));
        Assert.Equal(["one"], itemIds.Descendants(Items + "item").Select(i => (string?)i.Attribute("name")));
        Assert.Equal(("not-allowed", "closed-node"), _h.Iq(Bob, "get", new XElement(Info + "query", new XAttribute("node", "private"))).Answer.Error());
        Assert.Equal(("item-not-found", null), _h.Iq(Bob, "get", new XElement(Info + "query", new XAttribute("node", "none"))).Answer.Error());
    }

    [Fact]
    public void Requests_the_service_does_not_know_and_jids_within_its_domain_get_service_unavailable()
    {
        var (unknown, _) = _h.Iq(Bob, "get", new XElement((XNamespace)"jabber:iq:version" + "query"));
        Assert.Equal("service-unavailable", unknown.Error().Condition);
        var (user, _) = _h.Iq(Bob, "get", new XElement(Info + "query"), to: "someone@" + Domain);
        Assert.Equal("service-unavailable", user.Error().Condition);
        var presence = _h.Handle(new XElement(Client + "presence", new XAttribute("from", Bob), new XAttribute("to", Domain)));
        Assert.Empty(presence);
    }
}
