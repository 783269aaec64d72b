namespace Xmpp.Common.PubSub;

/// <summary>
/// A subscription to a node (XEP-0060 §6.1): the subscribed JID as the subscriber gave it (bare, or
/// full when it wants the events at one resource) and its XEP-0060 §6.3 option pubsub#deliver. One
/// subscription per JID and node, so no subid is issued.
/// </summary>
public sealed record PubSubSubscription(string Node, string Jid, bool Deliver = true);

/// <summary>A subscription that went through, with the node's configuration and the item to send at once (§6.1.7), if any.</summary>
public sealed record Subscribed(PubSubSubscription Subscription, NodeConfig Config, PubSubItem? LastItem);

/// <summary>A node that was created: its name (generated for an instant node, §8.1.2) and configuration.</summary>
public sealed record CreatedNode(string Node, NodeConfig Config);

/// <summary>
/// What a pubsub service whose nodes have subscribers and owners of their own (a service on its own
/// domain, unlike PEP) keeps beyond <see cref="IPubSubStore"/>. A node's subscriptions go with
/// <see cref="IPubSubStore.DeleteNode"/>.
/// </summary>
public interface IPubSubSubscriptionStore
{
    /// <summary>Stores a new node and its owner's affiliation at once (never one without the other).</summary>
    void PutOwnedNode(string service, string node, NodeConfig config, string owner);

    PubSubSubscription? GetSubscription(string service, string node, string jid);

    /// <summary>Adds the subscription or replaces the one of the same node and JID.</summary>
    void PutSubscription(string service, PubSubSubscription subscription);

    bool DeleteSubscription(string service, string node, string jid);

    /// <summary>The node's subscriptions, ordered by JID.</summary>
    IReadOnlyList<PubSubSubscription> Subscriptions(string service, string node);

    /// <summary>The subscriptions of a bare JID and its full JIDs across the service's nodes.</summary>
    IReadOnlyList<PubSubSubscription> SubscriptionsOf(string service, string bareJid);

    /// <summary>The affiliations of a bare JID across the service's nodes (§5.7), ordered by node.</summary>
    IReadOnlyList<(string Node, Affiliation Affiliation)> AffiliationsOf(string service, string bareJid);
}
