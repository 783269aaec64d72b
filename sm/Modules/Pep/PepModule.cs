using System.Globalization;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.PubSub;
using Xmpp.Common.Stanzas;
using Xmpp.Sm.Core;
using Xmpp.Sm.Modules.Caps;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Sessions;
using Xmpp.Sm.Storage;

namespace Xmpp.Sm.Modules.Pep;

/// <summary>
/// XEP-0163 Personal Eventing Protocol: every account's bare JID is a pubsub service that sm
/// answers on the account's behalf, on the node engine of Xmpp.Common.PubSub (stored in sm's
/// database). The owner publishes (nodes are created on publish, publish-options are
/// preconditions), retracts, deletes, purges, configures and sets affiliations; others retrieve
/// items when the node's access model lets them (presence by default, open, roster, whitelist).
/// Notifications (type headline, from the owner's bare JID) go to the owner's and its presence
/// subscribers' available resources whose XEP-0115 caps carry "&lt;node&gt;+notify" (see
/// <see cref="CapsModule"/>) and that the access model lets read; a resource whose caps start
/// asking for a node gets its last item. Enough for XEP-0084 avatars, XEP-0402 bookmarks and
/// OMEMO device lists and bundles.
/// </summary>
public sealed partial class PepModule(SmContext ctx, CapsModule caps) : IStoringModule
{
    private static readonly XNamespace P = PubSubNs.P;
    private static readonly XNamespace O = PubSubNs.O;
    private static readonly XNamespace E = PubSubNs.E;

    /// <summary>What the account's disco#info lists (XEP-0163 §6, XEP-0060 §10); each is implemented and tested.</summary>
    public static readonly string[] Features =
    [
        PubSubNs.PubSub,
        PubSubNs.Feature("publish"),
        PubSubNs.Feature("auto-create"),
        PubSubNs.Feature("create-nodes"),
        PubSubNs.Feature("publish-options"),
        PubSubNs.Feature("persistent-items"),
        PubSubNs.Feature("retrieve-items"),
        PubSubNs.Feature("retract-items"),
        PubSubNs.Feature("delete-items"),
        PubSubNs.Feature("delete-nodes"),
        PubSubNs.Feature("purge-nodes"),
        PubSubNs.Feature("config-node"),
        PubSubNs.Feature("retrieve-default"),
        PubSubNs.Feature("modify-affiliations"),
        PubSubNs.Feature("item-ids"),
        PubSubNs.Feature("last-published"),
        PubSubNs.Feature("auto-subscribe"),
        PubSubNs.Feature("filtered-notifications"),
        PubSubNs.Feature("access-presence"),
        PubSubNs.Feature("access-open"),
        PubSubNs.Feature("access-roster"),
        PubSubNs.Feature("access-whitelist"),
    ];

    private readonly ILogger _logger = ctx.Logger("Xmpp.Sm.Modules.Pep");
    private readonly PepOptions _options = ctx.Settings<PepOptions>(PepOptions.Section);
    private PubSubService _engine = null!;

    public string Name => "pep";

    public ModuleSchema Schema { get; } = new("""
        CREATE TABLE pep_nodes (
            owner   TEXT NOT NULL,      -- the account's bare JID
            node    TEXT NOT NULL,
            config  TEXT NOT NULL,      -- NodeConfig as JSON
            PRIMARY KEY (owner, node)
        );
        CREATE TABLE pep_items (
            seq       INTEGER PRIMARY KEY AUTOINCREMENT,  -- publication order
            owner     TEXT NOT NULL,
            node      TEXT NOT NULL,
            id        TEXT NOT NULL,
            publisher TEXT NOT NULL,
            published TEXT NOT NULL,  -- ISO 8601 UTC
            payload   TEXT NOT NULL,  -- the payload element, serialized
            UNIQUE (owner, node, id)
        );
        CREATE INDEX pep_items_by_node ON pep_items (owner, node, seq);
        CREATE TABLE pep_affiliations (
            owner       TEXT NOT NULL,
            node        TEXT NOT NULL,
            jid         TEXT NOT NULL,  -- a bare JID
            affiliation TEXT NOT NULL,  -- member, publisher, outcast
            PRIMARY KEY (owner, node, jid)
        );
        CREATE INDEX pep_affiliations_by_jid ON pep_affiliations (jid);
        """);

    public void Load(HookTable hooks)
    {
        _engine = new PubSubService(new PepStore(ctx.Storage.Modules),
            new PubSubLimits(_options.MaxItemsPerNode, _options.MaxItemBytes, _options.MaxNodesPerAccount, _options.MaxBytesPerAccount), ctx.Clock);
        hooks.Disco.AddIdentity(DiscoTarget.Account, new DiscoIdentity("pubsub", "pep"));
        foreach (var feature in Features) hooks.Disco.AddAccountFeature(feature);
        hooks.Disco.AddItems(DiscoTarget.Account, NodeItems);
        hooks.Disco.AddNodes(DiscoTarget.Account, NodeInfo);
        hooks.Hook($"iq-get/bare/{PubSubNs.PubSub}:pubsub", Get);
        hooks.Hook($"iq-set/bare/{PubSubNs.PubSub}:pubsub", Set);
        hooks.Hook($"iq-get/bare/{PubSubNs.Owner}:pubsub", OwnerRequest);
        hooks.Hook($"iq-set/bare/{PubSubNs.Owner}:pubsub", OwnerRequest);
        hooks.On<CapsChanged>(SendLastItems);
    }

    public void DeleteAccount(Jid user)
    {
        var jid = user.Bare.ToString();
        ctx.Storage.Modules.Execute("DELETE FROM pep_items WHERE owner = $o", ("$o", jid));
        ctx.Storage.Modules.Execute("DELETE FROM pep_affiliations WHERE owner = $o OR jid = $o", ("$o", jid)); // a new owner of the name inherits no whitelist place
        ctx.Storage.Modules.Execute("DELETE FROM pep_nodes WHERE owner = $o", ("$o", jid));
    }

    /// <summary>disco#items of an account: the nodes the requester may read.</summary>
    private IEnumerable<XElement> NodeItems(StanzaEvent e)
    {
        var owner = e.To!.Bare;
        var items = new List<XElement>();
        foreach (var node in _engine.Nodes(owner.ToString()))
            if (_engine.Node(owner.ToString(), node) is { } config && AccessRules.CanRead(config, Who(owner, e.From, node)))
                items.Add(new XElement((XNamespace)Ns.DiscoItems + "item", new XAttribute("jid", owner.ToString()), new XAttribute("node", node)));
        return items;
    }

    /// <summary>disco#info (or #items: its items) of one node the requester may read.</summary>
    private XElement? NodeInfo(StanzaEvent e, string node, bool items)
    {
        var owner = e.To!.Bare;
        if (_engine.Node(owner.ToString(), node) is not { } config || !AccessRules.CanRead(config, Who(owner, e.From, node))) return null;
        if (items)
        {
            XNamespace di = Ns.DiscoItems;
            var ids = _engine.Items(owner.ToString(), Requester.Owner, node, null, null).Value ?? [];
            return new XElement(di + "query", new XAttribute("node", node),
                ids.Select(i => new XElement(di + "item", new XAttribute("jid", owner.ToString()), new XAttribute("name", i.Id))));
        }
        XNamespace info = Ns.DiscoInfo;
        return new XElement(info + "query", new XAttribute("node", node),
            new XElement(info + "identity", new XAttribute("category", "pubsub"), new XAttribute("type", "leaf")),
            new XElement(info + "feature", new XAttribute("var", PubSubNs.PubSub)));
    }
}
