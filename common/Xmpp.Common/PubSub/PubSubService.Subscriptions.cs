namespace Xmpp.Common.PubSub;

/// <summary>
/// Subscriptions (XEP-0060 §6.1-6.3, §5.6, §8.8) and per-node owners, for a service on its own
/// domain: the host passes an <see cref="IPubSubSubscriptionStore"/>; without one (PEP, whose
/// subscribers are the owner's presence subscribers) every operation here is &lt;unsupported/&gt;.
/// </summary>
public sealed partial class PubSubService
{
    private static readonly PubSubError NoSubscriptions = PubSubError.Unsupported("subscribe");

    /// <summary>What <paramref name="bareJid"/> is to a node whose owner is its creator (not a roster): its affiliation, the owner when it is "owner".</summary>
    public Requester NodeRequester(string service, string node, string bareJid)
    {
        var affiliation = AffiliationOf(service, node, bareJid);
        return new Requester(affiliation == Affiliation.Owner, false, [], affiliation);
    }

    /// <summary>
    /// §6.1 subscribe <paramref name="jid"/> (the requester's bare or full JID, checked by the host)
    /// when the access model lets the requester read the node; subscribing again changes nothing.
    /// The result carries the last item when send_last_published_item is on_sub (§6.1.7).
    /// </summary>
    public PubSubResult<Subscribed> Subscribe(string service, Requester who, string node, string jid)
    {
        if (_subscriptions is null) return NoSubscriptions;
        if (node.Length == 0) return PubSubError.NodeIdRequired;
        if (store.GetNode(service, node) is not { } config) return PubSubError.NodeNotFound;
        if (AccessRules.CheckRead(config, who) is { } denied) return denied;
        var subscription = _subscriptions.GetSubscription(service, node, jid);
        if (subscription is null)
        {
            if (_subscriptions.Subscriptions(service, node).Count >= limits.MaxSubscriptionsPerNode)
                return PubSubError.Limit($"the node has its most subscribers ({limits.MaxSubscriptionsPerNode})");
            subscription = new PubSubSubscription(node, jid);
            _subscriptions.PutSubscription(service, subscription);
        }
        var last = config.SendLastPublishedItem is "on_sub" or "on_sub_and_presence" ? LastItem(service, node) : null;
        return PubSubResult<Subscribed>.Of(new Subscribed(subscription, config, last));
    }

    /// <summary>§6.2 unsubscribe <paramref name="jid"/> (checked by the host to be the requester's or, for an owner, anyone's).</summary>
    public PubSubResult<bool> Unsubscribe(string service, string node, string jid)
    {
        if (_subscriptions is null) return NoSubscriptions;
        if (node.Length == 0) return PubSubError.NodeIdRequired;
        if (store.GetNode(service, node) is null) return PubSubError.NodeNotFound;
        if (!_subscriptions.DeleteSubscription(service, node, jid)) return PubSubError.NotSubscribed;
        return PubSubResult<bool>.Of(true);
    }

    /// <summary>§6.3 a subscription, for its options.</summary>
    public PubSubResult<PubSubSubscription> SubscriptionOf(string service, string node, string jid)
    {
        if (_subscriptions is null) return NoSubscriptions;
        if (node.Length == 0) return PubSubError.NodeIdRequired;
        if (store.GetNode(service, node) is null) return PubSubError.NodeNotFound;
        return _subscriptions.GetSubscription(service, node, jid) is { } subscription ? PubSubResult<PubSubSubscription>.Of(subscription) : PubSubError.NotSubscribed;
    }

    /// <summary>§6.3.5 set a subscription's options (pubsub#deliver is the one this engine knows).</summary>
    public PubSubResult<PubSubSubscription> SetOptions(string service, string node, string jid, IReadOnlyDictionary<string, IReadOnlyList<string>> fields)
    {
        var found = SubscriptionOf(service, node, jid);
        if (!found.Ok) return found;
        var subscription = found.Value!;
        foreach (var (var, values) in fields)
        {
            if (var != "pubsub#deliver") continue; // unknown options are ignored, as for node configuration
            if (NodeConfig.ParseBool(values.FirstOrDefault() ?? "") is not { } deliver)
                return new PubSubError("bad-request", "modify", "invalid-options");
            subscription = subscription with { Deliver = deliver };
        }
        _subscriptions!.PutSubscription(service, subscription);
        return PubSubResult<PubSubSubscription>.Of(subscription);
    }

    /// <summary>§5.6 the requester's subscriptions (all nodes, or one).</summary>
    public PubSubResult<IReadOnlyList<PubSubSubscription>> SubscriptionsOf(string service, string bareJid, string? node)
    {
        if (_subscriptions is null) return NoSubscriptions;
        var all = _subscriptions.SubscriptionsOf(service, bareJid);
        return PubSubResult<IReadOnlyList<PubSubSubscription>>.Of(string.IsNullOrEmpty(node) ? all : all.Where(s => s.Node == node).ToList());
    }

    /// <summary>§5.7 the requester's affiliations (all nodes, or one).</summary>
    public PubSubResult<IReadOnlyList<(string Node, Affiliation Affiliation)>> AffiliationsOf(string service, string bareJid, string? node)
    {
        if (_subscriptions is null) return PubSubError.Unsupported("retrieve-affiliations");
        var all = _subscriptions.AffiliationsOf(service, bareJid);
        return PubSubResult<IReadOnlyList<(string, Affiliation)>>.Of(string.IsNullOrEmpty(node) ? all : all.Where(a => a.Node == node).ToList());
    }

    /// <summary>§8.8.1 the node's subscriptions (owner only).</summary>
    public PubSubResult<IReadOnlyList<PubSubSubscription>> Subscriptions(string service, Requester who, string node)
    {
        if (_subscriptions is null) return NoSubscriptions;
        if (store.GetNode(service, node) is null) return PubSubError.NodeNotFound;
        if (!who.IsOwner) return PubSubError.Forbidden;
        return PubSubResult<IReadOnlyList<PubSubSubscription>>.Of(_subscriptions.Subscriptions(service, node));
    }

    /// <summary>§8.8.2 the owner subscribes (state "subscribed") or removes ("none") JIDs.</summary>
    public PubSubResult<bool> SetSubscriptions(string service, Requester who, string node, IReadOnlyList<(string Jid, bool Subscribed)> changes)
    {
        if (_subscriptions is null) return NoSubscriptions;
        if (store.GetNode(service, node) is null) return PubSubError.NodeNotFound;
        if (!who.IsOwner) return PubSubError.Forbidden;
        var count = _subscriptions.Subscriptions(service, node).Count;
        foreach (var (jid, subscribed) in changes)
        {
            if (!subscribed)
            {
                _subscriptions.DeleteSubscription(service, node, jid);
                continue;
            }
            if (_subscriptions.GetSubscription(service, node, jid) is not null) continue;
            if (count++ >= limits.MaxSubscriptionsPerNode) return PubSubError.Limit($"the node has its most subscribers ({limits.MaxSubscriptionsPerNode})");
            _subscriptions.PutSubscription(service, new PubSubSubscription(node, jid));
        }
        return PubSubResult<bool>.Of(true);
    }

    /// <summary>
    /// Who gets a node's event (§7.1.2): its subscribers that want deliveries and may still read the
    /// node (an affiliation can have changed since they subscribed). None when the node delivers no notifications.
    /// </summary>
    public IReadOnlyList<PubSubSubscription> NotificationTargets(string service, string node, NodeConfig config)
    {
        if (_subscriptions is null || !config.DeliverNotifications) return [];
        return _subscriptions.Subscriptions(service, node)
            .Where(s => s.Deliver && AccessRules.CanRead(config, NodeRequester(service, node, BareOf(s.Jid))))
            .ToList();
    }

    /// <summary>The JIDs whose affiliation with the node is "owner" (§5.4 meta-data, pubsub#owner).</summary>
    public IReadOnlyList<string> NodeOwners(string service, string node) =>
        store.Affiliations(service, node).Where(a => a.Value == Affiliation.Owner).Select(a => a.Key).ToList();

    /// <summary>The subscribers of a node about to be deleted (§8.4.2 notifies them), whatever their delivery option.</summary>
    public IReadOnlyList<PubSubSubscription> Subscribers(string service, string node) =>
        _subscriptions?.Subscriptions(service, node) ?? [];

    private void RemoveSubscriptionsOf(string service, string node, string bareJid)
    {
        if (_subscriptions is null) return;
        foreach (var s in _subscriptions.Subscriptions(service, node))
            if (BareOf(s.Jid) == bareJid) _subscriptions.DeleteSubscription(service, node, s.Jid);
    }

    private static string BareOf(string jid) => jid.IndexOf('/') is var slash and >= 0 ? jid[..slash] : jid;
}
