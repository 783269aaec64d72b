using System.Xml.Linq;

namespace Xmpp.Common.PubSub;

/// <summary>The outcome of an operation: a value, or the XEP-0060 error to answer with.</summary>
public readonly record struct PubSubResult<T>(T? Value, PubSubError? Error)
{
    public bool Ok => Error is null;
    public static implicit operator PubSubResult<T>(PubSubError error) => new(default, error);
    public static PubSubResult<T> Of(T value) => new(value, null);
}

/// <summary>A publish that went through: the item (with its id), the node's configuration, whether the node was created.</summary>
public sealed record Published(PubSubItem Item, NodeConfig Config, bool Created);

/// <summary>
/// The XEP-0060 node engine, free of I/O: nodes, items, configuration, affiliations and access
/// checks over an <see cref="IPubSubStore"/>. It does not know about sessions or XML streams: the
/// host (sm's PEP module, the pubsub service process) parses requests, asks the engine, answers and
/// sends the notifications to the targets <see cref="AccessRules.ShouldNotify"/> (PEP) or
/// <see cref="NotificationTargets"/> (a service with subscriptions) picks.
/// Only the owner (<see cref="Requester.IsOwner"/>) and publishers may publish; only the owner manages nodes.
/// PEP has one owner per service (the account); a service on its own domain has one per node (its
/// creator, stored as the node's "owner" affiliation, <see cref="NodeRequester"/>) and subscriptions
/// (<paramref name="subscriptions"/>; without them subscribing is unsupported).
/// </summary>
public sealed partial class PubSubService(IPubSubStore store, PubSubLimits limits, TimeProvider clock, IPubSubSubscriptionStore? subscriptions = null)
{
    private readonly IPubSubSubscriptionStore? _subscriptions = subscriptions;

    public PubSubLimits Limits => limits;

    /// <summary>The configuration a new node gets, before the creator's options.</summary>
    public NodeConfig Defaults { get; init; } = new();

    /// <summary>XEP-0163 create-on-publish: a publish to a missing node creates it (PEP); off: &lt;item-not-found/&gt; (§7.1.3.3).</summary>
    public bool AutoCreate { get; init; } = true;

    /// <summary>§8.1.2 instant nodes: a create without a node name gets a generated one; off: &lt;nodeid-required/&gt;.</summary>
    public bool InstantNodes { get; init; }

    /// <summary>The access models a node may have here; another is refused with &lt;not-acceptable/&gt;.</summary>
    public IReadOnlySet<AccessModel> AccessModels { get; init; } = new HashSet<AccessModel>(Enum.GetValues<AccessModel>());

    /// <summary>The send_last_published_item values a node may have here; another is refused with &lt;not-acceptable/&gt;.</summary>
    public IReadOnlySet<string> SendLastValues { get; init; } = new HashSet<string>(NodeConfig.SendLastValues, StringComparer.Ordinal);

    public NodeConfig? Node(string service, string node) => store.GetNode(service, node);

    public IReadOnlyList<string> Nodes(string service) => store.Nodes(service);

    /// <summary>
    /// §8.1: creates a node with the default configuration and <paramref name="options"/>; an empty
    /// name makes an instant node when <see cref="InstantNodes"/>. <paramref name="owner"/> (a bare
    /// JID) becomes the node's owner in the same step, within <see cref="PubSubLimits.MaxNodesPerOwner"/>
    /// (a service with a subscription store; PEP's owner is the service itself).
    /// </summary>
    public PubSubResult<CreatedNode> Create(string service, Requester who, string node, IReadOnlyDictionary<string, IReadOnlyList<string>>? options, string? owner = null)
    {
        if (!who.IsOwner) return PubSubError.Forbidden;
        if (node.Length == 0)
        {
            if (!InstantNodes) return PubSubError.NodeIdRequired;
            node = NewItemId();
        }
        if (store.GetNode(service, node) is not null) return PubSubError.NodeExists;
        if (owner is not null && _subscriptions is not null &&
            _subscriptions.AffiliationsOf(service, owner).Count(a => a.Affiliation == Affiliation.Owner) >= limits.MaxNodesPerOwner)
            return PubSubError.MaxNodesExceeded;
        var created = CreateNode(service, node, options, owner);
        if (!created.Ok) return created.Error!;
        return PubSubResult<CreatedNode>.Of(new CreatedNode(node, created.Value!));
    }

    private PubSubResult<NodeConfig> CreateNode(string service, string node, IReadOnlyDictionary<string, IReadOnlyList<string>>? options, string? owner = null)
    {
        if (store.Nodes(service).Count >= limits.MaxNodesPerService)
            return PubSubError.Limit($"at most {limits.MaxNodesPerService} nodes");
        var config = Defaults;
        if (options is not null)
        {
            var (applied, error) = config.Apply(options, limits.MaxItemsPerNode);
            if (error is not null) return error;
            config = applied!;
        }
        if (Unsupported(config) is { } unsupported) return unsupported;
        if (owner is not null && _subscriptions is not null) _subscriptions.PutOwnedNode(service, node, config, owner);
        else store.PutNode(service, node, config);
        return PubSubResult<NodeConfig>.Of(config);
    }

    /// <summary>The node_config form of <paramref name="config"/>, offering what this service supports.</summary>
    public XElement ConfigForm(NodeConfig config, string type = "form") =>
        config.ToForm(type, Enum.GetValues<AccessModel>().Where(AccessModels.Contains), NodeConfig.SendLastValues.Where(SendLastValues.Contains));

    /// <summary>A configuration this service does not offer (<see cref="AccessModels"/>, <see cref="SendLastValues"/>).</summary>
    private PubSubError? Unsupported(NodeConfig config)
    {
        if (!AccessModels.Contains(config.AccessModel)) return PubSubError.BadConfig($"access model '{config.AccessModel.Name()}' is not supported here");
        if (!SendLastValues.Contains(config.SendLastPublishedItem))
            return PubSubError.BadConfig($"send_last_published_item '{config.SendLastPublishedItem}' is not supported here");
        return null;
    }

    /// <summary>
    /// §7.1 publish with XEP-0163 create-on-publish: a missing node is created with the
    /// publish-options as its configuration; an existing one must meet them (§7.1.5, else
    /// conflict/precondition-not-met). An item replaces the one with its id; the node keeps its newest max_items.
    /// </summary>
    public PubSubResult<Published> Publish(string service, Requester who, string node, string publisher, string? itemId, XElement? payload,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? publishOptions)
    {
        if (node.Length == 0) return PubSubError.NodeIdRequired;
        if (!AutoCreate && store.GetNode(service, node) is null) return PubSubError.NodeNotFound;
        if (!who.IsOwner && who.Affiliation is not (Affiliation.Publisher or Affiliation.Owner)) return PubSubError.Forbidden;
        if (payload is null) return PubSubError.PayloadRequired;
        var size = Stanzas.StanzaWriter.ToBytes(payload).Length;
        if (size > limits.MaxItemBytes) return PubSubError.PayloadTooBig;

        var config = store.GetNode(service, node);
        var created = false;
        if (config is null)
        {
            var made = CreateNode(service, node, publishOptions);
            if (!made.Ok) return made.Error!;
            config = made.Value!;
            created = true;
        }
        else if (publishOptions is not null && !config.Meets(publishOptions, limits.MaxItemsPerNode))
            return PubSubError.PreconditionNotMet;

        if (config.PersistItems && store.PayloadBytes(service) + size > limits.MaxBytesPerService)
            return PubSubError.Limit($"at most {limits.MaxBytesPerService} bytes of items");
        // A node configured for "max" items (bookmarks) that holds as many as the service allows gets
        // no new item: the client asked for all of them to be kept, so none is dropped to make room.
        if (config.PersistItems && config.MaxItems == NodeConfig.Max)
        {
            var (count, replaces) = store.ItemCount(service, node, itemId ?? "");
            if (count >= limits.MaxItemsPerNode && !(replaces && !string.IsNullOrEmpty(itemId)))
                return PubSubError.Limit($"the node holds its most items ({limits.MaxItemsPerNode})");
        }

        var item = new PubSubItem(string.IsNullOrEmpty(itemId) ? NewItemId() : itemId, new XElement(payload), publisher, clock.GetUtcNow());
        if (config.PersistItems) store.PutItem(service, node, item, config.EffectiveMaxItems(limits.MaxItemsPerNode));
        return PubSubResult<Published>.Of(new Published(item, config, created));
    }

    /// <summary>§7.2 retract: the item goes; the caller notifies when <see cref="NodeConfig.NotifyRetract"/> or the request asks.</summary>
    public PubSubResult<NodeConfig> Retract(string service, Requester who, string node, string itemId)
    {
        if (!who.IsOwner && who.Affiliation is not (Affiliation.Publisher or Affiliation.Owner)) return PubSubError.Forbidden;
        if (itemId.Length == 0) return PubSubError.ItemIdRequired;
        if (store.GetNode(service, node) is not { } config) return PubSubError.NodeNotFound;
        if (!store.RetractItem(service, node, itemId)) return PubSubError.ItemNotFound;
        return PubSubResult<NodeConfig>.Of(config);
    }

    /// <summary>§6.5 retrieve items: all, the newest <paramref name="max"/>, or those with the given ids (if the access model lets the requester).</summary>
    public PubSubResult<IReadOnlyList<PubSubItem>> Items(string service, Requester who, string node, int? max, IReadOnlyCollection<string>? ids)
    {
        if (store.GetNode(service, node) is not { } config) return PubSubError.NodeNotFound;
        if (AccessRules.CheckRead(config, who) is { } denied) return denied;
        return PubSubResult<IReadOnlyList<PubSubItem>>.Of(store.Items(service, node, max, ids is { Count: > 0 } ? ids : null));
    }

    /// <summary>The stored affiliation of <paramref name="jid"/> (a bare JID) with the node; the host puts it in the <see cref="Requester"/>.</summary>
    public Affiliation AffiliationOf(string service, string node, string jid) =>
        jid == service ? Affiliation.Owner : store.GetAffiliation(service, node, jid);

    /// <summary>The newest item of the node, if any (what is sent when a resource comes online, §4.3.5 of XEP-0163).</summary>
    public PubSubItem? LastItem(string service, string node) => store.Items(service, node, 1).LastOrDefault();

    /// <summary>§8.4 delete a node (owner only).</summary>
    public PubSubResult<NodeConfig> Delete(string service, Requester who, string node)
    {
        if (!who.IsOwner) return PubSubError.Forbidden;
        if (store.GetNode(service, node) is not { } config) return PubSubError.NodeNotFound;
        store.DeleteNode(service, node);
        return PubSubResult<NodeConfig>.Of(config);
    }

    /// <summary>§8.5 purge every item (owner only).</summary>
    public PubSubResult<NodeConfig> Purge(string service, Requester who, string node)
    {
        if (!who.IsOwner) return PubSubError.Forbidden;
        if (store.GetNode(service, node) is not { } config) return PubSubError.NodeNotFound;
        store.Purge(service, node);
        return PubSubResult<NodeConfig>.Of(config);
    }

    /// <summary>§8.2 configure (owner only): the submitted fields applied; a smaller max_items trims the items.</summary>
    public PubSubResult<NodeConfig> Configure(string service, Requester who, string node, IReadOnlyDictionary<string, IReadOnlyList<string>> fields)
    {
        if (!who.IsOwner) return PubSubError.Forbidden;
        if (store.GetNode(service, node) is not { } config) return PubSubError.NodeNotFound;
        var (applied, error) = config.Apply(fields, limits.MaxItemsPerNode);
        if (error is not null) return error;
        if (Unsupported(applied!) is { } unsupported) return unsupported;
        store.PutNode(service, node, applied!);
        var keep = applied!.EffectiveMaxItems(limits.MaxItemsPerNode);
        var items = store.Items(service, node);
        foreach (var old in items.Take(Math.Max(0, items.Count - keep))) store.RetractItem(service, node, old.Id);
        if (!applied.PersistItems) store.Purge(service, node);
        return PubSubResult<NodeConfig>.Of(applied);
    }

    /// <summary>§8.9 the node's affiliations (owner only).</summary>
    public PubSubResult<IReadOnlyDictionary<string, Affiliation>> Affiliations(string service, Requester who, string node)
    {
        if (!who.IsOwner) return PubSubError.Forbidden;
        if (store.GetNode(service, node) is null) return PubSubError.NodeNotFound;
        return PubSubResult<IReadOnlyDictionary<string, Affiliation>>.Of(store.Affiliations(service, node));
    }

    /// <summary>§8.9.2 modify affiliations (owner only; owners stay owners, nobody else becomes one).</summary>
    public PubSubResult<bool> SetAffiliations(string service, Requester who, string node, IReadOnlyList<(string Jid, Affiliation Affiliation)> changes)
    {
        if (!who.IsOwner) return PubSubError.Forbidden;
        if (store.GetNode(service, node) is null) return PubSubError.NodeNotFound;
        if (changes.Any(c => c.Affiliation == Affiliation.Owner || c.Jid == service || store.GetAffiliation(service, node, c.Jid) == Affiliation.Owner))
            return PubSubError.BadConfig("the owner's affiliation cannot change");
        foreach (var (jid, affiliation) in changes)
        {
            store.SetAffiliation(service, node, jid, affiliation);
            if (affiliation == Affiliation.Outcast) RemoveSubscriptionsOf(service, node, jid); // §8.9.2: an outcast is no subscriber
        }
        return PubSubResult<bool>.Of(true);
    }

    private static string NewItemId() => Guid.NewGuid().ToString("N")[..16];
}
