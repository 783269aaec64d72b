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
/// host (sm's PEP module, a future pubsub component) parses requests, asks the engine, answers and
/// sends the notifications to the targets <see cref="AccessRules.ShouldNotify"/> picks.
/// Only the owner (<see cref="Requester.IsOwner"/>) and publishers may publish; only the owner manages nodes.
/// </summary>
public sealed class PubSubService(IPubSubStore store, PubSubLimits limits, TimeProvider clock)
{
    public PubSubLimits Limits => limits;

    /// <summary>The configuration a new node gets, before the creator's options.</summary>
    public NodeConfig Defaults { get; init; } = new();

    public NodeConfig? Node(string service, string node) => store.GetNode(service, node);

    public IReadOnlyList<string> Nodes(string service) => store.Nodes(service);

    /// <summary>§8.1: creates a node with the default configuration and <paramref name="options"/>.</summary>
    public PubSubResult<NodeConfig> Create(string service, Requester who, string node, IReadOnlyDictionary<string, IReadOnlyList<string>>? options)
    {
        if (!who.IsOwner) return PubSubError.Forbidden;
        if (node.Length == 0) return PubSubError.NodeIdRequired;
        if (store.GetNode(service, node) is not null) return PubSubError.NodeExists;
        return CreateNode(service, node, options);
    }

    private PubSubResult<NodeConfig> CreateNode(string service, string node, IReadOnlyDictionary<string, IReadOnlyList<string>>? options)
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
        store.PutNode(service, node, config);
        return PubSubResult<NodeConfig>.Of(config);
    }

    /// <summary>
    /// §7.1 publish with XEP-0163 create-on-publish: a missing node is created with the
    /// publish-options as its configuration; an existing one must meet them (§7.1.5, else
    /// conflict/precondition-not-met). An item replaces the one with its id; the node keeps its newest max_items.
    /// </summary>
    public PubSubResult<Published> Publish(string service, Requester who, string node, string publisher, string? itemId, XElement? payload,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? publishOptions)
    {
        if (!who.IsOwner && who.Affiliation is not (Affiliation.Publisher or Affiliation.Owner)) return PubSubError.Forbidden;
        if (node.Length == 0) return PubSubError.NodeIdRequired;
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

    /// <summary>§8.9.2 modify affiliations (owner only; the owner's own stays).</summary>
    public PubSubResult<bool> SetAffiliations(string service, Requester who, string node, IReadOnlyList<(string Jid, Affiliation Affiliation)> changes)
    {
        if (!who.IsOwner) return PubSubError.Forbidden;
        if (store.GetNode(service, node) is null) return PubSubError.NodeNotFound;
        if (changes.Any(c => c.Affiliation == Affiliation.Owner || c.Jid == service)) return PubSubError.BadConfig("the owner's affiliation cannot change");
        foreach (var (jid, affiliation) in changes) store.SetAffiliation(service, node, jid, affiliation);
        return PubSubResult<bool>.Of(true);
    }

    private static string NewItemId() => Guid.NewGuid().ToString("N")[..16];
}
