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
public sealed class PepModule(SmContext ctx, CapsModule caps) : IStoringModule
{
    private static readonly XNamespace P = PubSubNs.P;
    private static readonly XNamespace O = PubSubNs.O;
    private static readonly XNamespace E = PubSubNs.E;
    private static readonly XNamespace Errors = PubSubNs.Errors;

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

    // ---- requests -------------------------------------------------------------------------

    private bool Get(StanzaEvent e)
    {
        var pubsub = e.Payload!;
        var owner = e.To!.Bare;
        if (!ctx.UserExists(owner)) return Refuse(e, new PubSubError(StanzaErrors.ServiceUnavailable, StanzaErrors.Cancel));
        if (pubsub.Element(P + "items") is not { } items)
            return Refuse(e, pubsub.Elements().FirstOrDefault() is { } other ? PubSubError.Unsupported(UnsupportedFeature(other)) : new PubSubError(StanzaErrors.BadRequest, StanzaErrors.Modify));
        var node = (string?)items.Attribute("node") ?? "";
        if (node.Length == 0) return Refuse(e, PubSubError.NodeIdRequired);
        int? max = null;
        if ((string?)items.Attribute("max_items") is { } maxText)
        {
            if (!int.TryParse(maxText, NumberStyles.None, CultureInfo.InvariantCulture, out var m) || m < 1)
                return Refuse(e, new PubSubError(StanzaErrors.BadRequest, StanzaErrors.Modify, null, null, "max_items is a positive number"));
            max = m;
        }
        var ids = items.Elements(P + "item").Select(i => (string?)i.Attribute("id")).OfType<string>().ToArray();
        var result = _engine.Items(owner.ToString(), Who(owner, e.From, node), node, max, ids);
        if (!result.Ok)
        {
            _logger.LogDebug("Items of {Owner} node {Node} refused to {Requester}: {Condition}", owner, node, e.From.Bare, result.Error!.AppCondition ?? result.Error.Condition);
            PepTelemetry.Refused("items", result.Error!);
            return Refuse(e, result.Error!);
        }
        ctx.ReplyResult(e, new XElement(P + "pubsub", ItemsAnswer(node, result.Value!)));
        return true;
    }

    /// <summary>
    /// The &lt;items/&gt; of an answer: the newest items within Sm:Pep:MaxResultBytes; when some
    /// do not fit, XEP-0060 §6.5.4 (some items) with an XEP-0059 &lt;set/&gt; naming the total count.
    /// </summary>
    private IEnumerable<XElement> ItemsAnswer(string node, IReadOnlyList<PubSubItem> items)
    {
        var kept = new List<XElement>();
        var bytes = 0L;
        for (var i = items.Count - 1; i >= 0; i--)
        {
            var element = ItemElement(items[i]);
            bytes += StanzaCodec.ToBytes(element).Length;
            if (bytes > _options.MaxResultBytes && kept.Count > 0) break;
            kept.Add(element);
        }
        kept.Reverse();
        var answer = new List<XElement> { new(P + "items", new XAttribute("node", node), kept) };
        if (kept.Count < items.Count)
        {
            _logger.LogInformation("Items of node {Node}: {Kept} of {Total} returned, the rest beyond Sm:Pep:MaxResultBytes", node, kept.Count, items.Count);
            PepTelemetry.Truncated();
            XNamespace rsm = "http://jabber.org/protocol/rsm";
            answer.Add(new XElement(rsm + "set",
                new XElement(rsm + "first", new XAttribute("index", items.Count - kept.Count), (string?)kept[0].Attribute("id")),
                new XElement(rsm + "last", (string?)kept[^1].Attribute("id")),
                new XElement(rsm + "count", items.Count)));
        }
        return answer;
    }

    private bool Set(StanzaEvent e)
    {
        var pubsub = e.Payload!;
        var owner = e.To!.Bare;
        if (!ctx.UserExists(owner)) return Refuse(e, new PubSubError(StanzaErrors.ServiceUnavailable, StanzaErrors.Cancel));
        if (pubsub.Element(P + "publish") is { } publish) return Publish(e, owner, publish, pubsub.Element(P + "publish-options"));
        if (pubsub.Element(P + "retract") is { } retract) return Retract(e, owner, retract);
        if (pubsub.Element(P + "create") is { } create) return Create(e, owner, create, pubsub.Element(P + "configure"));
        return Refuse(e, pubsub.Elements().FirstOrDefault() is { } other ? PubSubError.Unsupported(UnsupportedFeature(other)) : new PubSubError(StanzaErrors.BadRequest, StanzaErrors.Modify));
    }

    private static string UnsupportedFeature(XElement request) => request.Name.LocalName switch
    {
        "subscribe" or "unsubscribe" or "options" => "subscribe",
        "subscriptions" => "retrieve-subscriptions",
        "affiliations" => "retrieve-affiliations",
        var other => other,
    };

    private bool Publish(StanzaEvent e, Jid owner, XElement publish, XElement? publishOptions)
    {
        var node = (string?)publish.Attribute("node") ?? "";
        var items = publish.Elements(P + "item").ToArray();
        if (items.Length > 1) return Refuse(e, new PubSubError(StanzaErrors.BadRequest, StanzaErrors.Modify, "invalid-payload", null, "one item per publish"));
        var item = items.FirstOrDefault();
        var payloads = item?.Elements().ToArray() ?? [];
        if (payloads.Length > 1) return Refuse(e, PubSubError.InvalidPayload);
        IReadOnlyDictionary<string, IReadOnlyList<string>>? options = null;
        if (publishOptions?.Element(PubSubNs.X + "x") is { } form)
        {
            options = NodeConfig.Fields(form, PubSubNs.PublishOptionsForm);
            if (options is null) return Refuse(e, new PubSubError(StanzaErrors.BadRequest, StanzaErrors.Modify, null, null, "publish-options need FORM_TYPE " + PubSubNs.PublishOptionsForm));
        }
        var result = _engine.Publish(owner.ToString(), Who(owner, e.From, node), node, e.From.Bare.ToString(), (string?)item?.Attribute("id"), payloads.FirstOrDefault(), options);
        if (!result.Ok)
        {
            _logger.LogInformation("Publish to {Owner} node {Node} by {Publisher} refused: {Condition}", owner, node, e.From, result.Error!.AppCondition ?? result.Error.Condition);
            PepTelemetry.Refused("publish", result.Error!);
            return Refuse(e, result.Error!);
        }
        var published = result.Value!;
        PepTelemetry.Published();
        ctx.ReplyResult(e, new XElement(P + "pubsub", new XElement(P + "publish", new XAttribute("node", node),
            new XElement(P + "item", new XAttribute("id", published.Item.Id)))));
        Notify(owner, node, published.Config, new XElement(E + "items", new XAttribute("node", node),
            published.Config.DeliverPayloads ? ItemElement(published.Item, E) : new XElement(E + "item", new XAttribute("id", published.Item.Id))));
        return true;
    }

    private bool Retract(StanzaEvent e, Jid owner, XElement retract)
    {
        var node = (string?)retract.Attribute("node") ?? "";
        if (node.Length == 0) return Refuse(e, PubSubError.NodeIdRequired);
        var id = (string?)retract.Element(P + "item")?.Attribute("id") ?? "";
        var result = _engine.Retract(owner.ToString(), Who(owner, e.From, node), node, id);
        if (!result.Ok)
        {
            PepTelemetry.Refused("retract", result.Error!);
            return Refuse(e, result.Error!);
        }
        ctx.ReplyResult(e);
        var notify = (string?)retract.Attribute("notify") is { } n ? NodeConfig.ParseBool(n) ?? false : result.Value!.NotifyRetract;
        if (notify) Notify(owner, node, result.Value!, new XElement(E + "items", new XAttribute("node", node), new XElement(E + "retract", new XAttribute("id", id))));
        return true;
    }

    private bool Create(StanzaEvent e, Jid owner, XElement create, XElement? configure)
    {
        var node = (string?)create.Attribute("node") ?? "";
        IReadOnlyDictionary<string, IReadOnlyList<string>>? options = null;
        if (configure?.Element(PubSubNs.X + "x") is { } form && (options = NodeConfig.Fields(form, PubSubNs.NodeConfigForm)) is null)
            return Refuse(e, new PubSubError(StanzaErrors.BadRequest, StanzaErrors.Modify, null, null, "the configuration needs FORM_TYPE " + PubSubNs.NodeConfigForm));
        var result = _engine.Create(owner.ToString(), Who(owner, e.From, node), node, options);
        if (!result.Ok)
        {
            PepTelemetry.Refused("create", result.Error!);
            return Refuse(e, result.Error!);
        }
        ctx.ReplyResult(e);
        return true;
    }

    /// <summary>pubsub#owner: configure (get/set), default, delete, purge, affiliations (get/set).</summary>
    private bool OwnerRequest(StanzaEvent e)
    {
        var owner = e.To!.Bare;
        if (!ctx.UserExists(owner)) return Refuse(e, new PubSubError(StanzaErrors.ServiceUnavailable, StanzaErrors.Cancel));
        if (e.From.Bare != owner) return Refuse(e, PubSubError.Forbidden);
        var request = e.Payload!.Elements().FirstOrDefault();
        var node = (string?)request?.Attribute("node") ?? "";
        var service = owner.ToString();
        var set = e.Type == "set";
        switch (request?.Name.LocalName)
        {
            case "default" when !set:
                ctx.ReplyResult(e, new XElement(O + "pubsub", new XElement(O + "default", _engine.Defaults.ToForm())));
                return true;
            case "configure" when !set:
                if (_engine.Node(service, node) is not { } config) return Refuse(e, PubSubError.NodeNotFound);
                ctx.ReplyResult(e, new XElement(O + "pubsub", new XElement(O + "configure", new XAttribute("node", node), config.ToForm())));
                return true;
            case "configure":
                var form = request!.Element(PubSubNs.X + "x");
                if ((string?)form?.Attribute("type") == "cancel")
                {
                    ctx.ReplyResult(e);
                    return true;
                }
                if (NodeConfig.Fields(form, PubSubNs.NodeConfigForm) is not { } fields)
                    return Refuse(e, new PubSubError(StanzaErrors.BadRequest, StanzaErrors.Modify, null, null, "a submitted form with FORM_TYPE " + PubSubNs.NodeConfigForm));
                return Answer(e, "configure", _engine.Configure(service, Requester.Owner, node, fields).Error);
            case "delete" when set:
                var deleted = _engine.Delete(service, Requester.Owner, node);
                if (!Answer(e, "delete", deleted.Error) || !deleted.Ok) return true;
                if (deleted.Value!.NotifyDelete) Notify(owner, node, deleted.Value, new XElement(E + "delete", new XAttribute("node", node)));
                return true;
            case "purge" when set:
                var purged = _engine.Purge(service, Requester.Owner, node);
                Answer(e, "purge", purged.Error);
                if (purged.Ok && purged.Value!.NotifyRetract) Notify(owner, node, purged.Value, new XElement(E + "purge", new XAttribute("node", node)));
                return true;
            case "affiliations" when !set:
                var list = _engine.Affiliations(service, Requester.Owner, node);
                if (!list.Ok) return Refuse(e, list.Error!);
                ctx.ReplyResult(e, new XElement(O + "pubsub", new XElement(O + "affiliations", new XAttribute("node", node),
                    new XElement(O + "affiliation", new XAttribute("jid", service), new XAttribute("affiliation", "owner")),
                    list.Value!.Select(a => new XElement(O + "affiliation", new XAttribute("jid", a.Key), new XAttribute("affiliation", a.Value.Name()))))));
                return true;
            case "affiliations":
                var changes = new List<(string, Affiliation)>();
                foreach (var a in request!.Elements(O + "affiliation"))
                {
                    if (!Jid.TryParse((string?)a.Attribute("jid") ?? "", out var jid) || PubSubNames.ParseAffiliation((string?)a.Attribute("affiliation")) is not { } affiliation)
                        return Refuse(e, new PubSubError(StanzaErrors.BadRequest, StanzaErrors.Modify, null, null, "each affiliation needs a jid and a known affiliation"));
                    changes.Add((jid!.Bare.ToString(), affiliation));
                }
                return Answer(e, "affiliations", _engine.SetAffiliations(service, Requester.Owner, node, changes).Error);
            default:
                return Refuse(e, PubSubError.Unsupported(request?.Name.LocalName ?? "owner"));
        }
    }

    private bool Answer(StanzaEvent e, string operation, PubSubError? error)
    {
        if (error is null)
        {
            ctx.ReplyResult(e);
            return true;
        }
        PepTelemetry.Refused(operation, error);
        Refuse(e, error);
        return false;
    }

    /// <summary>The XEP-0060 error reply: the RFC 6120 condition with the pubsub#errors condition beside it.</summary>
    private bool Refuse(StanzaEvent e, PubSubError error)
    {
        var reply = StanzaErrors.Reply(e.Stanza, error.Type, error.Condition, error.Text);
        if (error.AppCondition is { } app)
        {
            var condition = new XElement(Errors + app);
            if (error.Feature is { } feature) condition.SetAttributeValue("feature", feature);
            reply.Element(Stanza.Client + "error")!.Add(condition);
        }
        ctx.Reply(e, reply);
        return true;
    }

    // ---- who may see what -----------------------------------------------------------------

    /// <summary>What <paramref name="requester"/> is to the owner of the service, for the node's access checks.</summary>
    private Requester Who(Jid owner, Jid requester, string node)
    {
        if (owner.Bare == requester.Bare) return Requester.Owner;
        var item = ctx.Storage.Rosters.GetItem(owner.ToString(), requester.Bare.ToString());
        return new Requester(false, item?.Subscription is RosterItem.From or RosterItem.Both, item?.Groups ?? [],
            _engine.AffiliationOf(owner.ToString(), node, requester.Bare.ToString()));
    }

    /// <summary>The owner and its presence subscribers (XEP-0163 §4.3.1: implicitly subscribed), each a local user.</summary>
    private IEnumerable<Jid> Audience(Jid owner)
    {
        yield return owner;
        foreach (var item in ctx.Storage.Rosters.GetRoster(owner.ToString()))
            if (item.Subscription is RosterItem.From or RosterItem.Both && Jid.TryParse(item.Jid, out var contact) && contact!.Domain == ctx.Domain)
                yield return contact;
    }

    /// <summary>The event to each available resource of the audience whose caps ask for the node and that may read it.</summary>
    private void Notify(Jid owner, string node, NodeConfig config, XElement payload)
    {
        var sent = 0;
        foreach (var user in Audience(owner).ToArray())
        {
            var sessions = ctx.Sessions.OfUser(user);
            if (sessions.Count == 0) continue;
            var who = Who(owner, user, node);
            foreach (var session in sessions)
                if (session.Available && AccessRules.ShouldNotify(node, config, who, caps.FeaturesOf(session)))
                {
                    ctx.Out.ToSession(session, Event(owner, session, payload));
                    sent++;
                }
        }
        PepTelemetry.Notified(sent);
    }

    /// <summary>
    /// XEP-0163 §4.3.5 (send_last_published_item on_sub_and_presence): a resource whose caps now ask
    /// for nodes gets the last item of each such node of its own account and of every account that
    /// shares its presence with it, when the access model lets it.
    /// </summary>
    private void SendLastItems(CapsChanged changed)
    {
        var nodes = changed.After.Where(f => f.EndsWith("+notify", StringComparison.Ordinal) && !changed.Before.Contains(f))
            .Select(f => f[..^"+notify".Length]).Where(n => n.Length > 0).ToArray();
        if (nodes.Length == 0) return;
        var session = changed.Session;
        var owners = new List<Jid> { session.BareJid };
        foreach (var item in ctx.Storage.Rosters.GetRoster(session.BareJid.ToString()))
            if (item.Subscription is RosterItem.To or RosterItem.Both && Jid.TryParse(item.Jid, out var contact) && contact!.Domain == ctx.Domain)
                owners.Add(contact);
        var bytes = 0L;
        var skipped = 0;
        foreach (var owner in owners)
            foreach (var node in nodes)
            {
                if (_engine.Node(owner.ToString(), node) is not { } config || config.SendLastPublishedItem != "on_sub_and_presence") continue;
                if (!AccessRules.ShouldNotify(node, config, Who(owner, session.BareJid, node), changed.After)) continue;
                if (_engine.LastItem(owner.ToString(), node) is not { } last) continue;
                var message = Event(owner, session, new XElement(E + "items", new XAttribute("node", node),
                    config.DeliverPayloads ? ItemElement(last, E) : new XElement(E + "item", new XAttribute("id", last.Id))));
                bytes += StanzaCodec.ToBytes(message).Length;
                if (bytes > _options.MaxResultBytes)
                {
                    skipped++; // the client can still fetch them; a burst beyond this would cut it off (C2s:MaxOutboundBytes)
                    continue;
                }
                ctx.Out.ToSession(session, message);
                PepTelemetry.Notified(1);
            }
        if (skipped > 0)
        {
            _logger.LogInformation("{Skipped} last items not sent to {Session}: beyond Sm:Pep:MaxResultBytes at once", skipped, session.Id);
            PepTelemetry.LastItemsSkipped(skipped);
        }
    }

    private XElement Event(Jid owner, SmSession to, XElement payload) =>
        new(Stanza.Client + "message",
            new XAttribute("from", owner.ToString()), new XAttribute("to", to.FullJidText),
            new XAttribute("type", "headline"), new XAttribute("id", "pep-" + Guid.NewGuid().ToString("N")[..12]),
            new XElement(E + "event", payload));

    private static XElement ItemElement(PubSubItem item) => ItemElement(item, P);

    private static XElement ItemElement(PubSubItem item, XNamespace ns) =>
        new(ns + "item", new XAttribute("id", item.Id), new XAttribute("publisher", item.Publisher), new XElement(item.Payload));

    // ---- disco ----------------------------------------------------------------------------

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
