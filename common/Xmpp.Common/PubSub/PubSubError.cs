namespace Xmpp.Common.PubSub;

/// <summary>
/// A refused pubsub request as XEP-0060 words it: an RFC 6120 condition and type, with an optional
/// application condition of the pubsub#errors namespace (and its 'feature' for &lt;unsupported/&gt;).
/// </summary>
public sealed record PubSubError(string Condition, string Type, string? AppCondition = null, string? Feature = null, string? Text = null)
{
    public static readonly PubSubError NodeNotFound = new("item-not-found", "cancel");
    public static readonly PubSubError ItemNotFound = new("item-not-found", "cancel");
    public static readonly PubSubError Forbidden = new("forbidden", "auth");
    public static readonly PubSubError NodeExists = new("conflict", "cancel");

    /// <summary>§7.1.5: publish-options that the existing node's configuration does not meet.</summary>
    public static readonly PubSubError PreconditionNotMet = new("conflict", "cancel", "precondition-not-met");

    /// <summary>§6.5.9.7: the access model is presence and the requester is not subscribed.</summary>
    public static readonly PubSubError PresenceSubscriptionRequired = new("not-authorized", "auth", "presence-subscription-required");

    /// <summary>§6.5.9.8: the access model is roster and the requester is in none of the allowed groups.</summary>
    public static readonly PubSubError NotInRosterGroup = new("not-authorized", "auth", "not-in-roster-group");

    /// <summary>§6.5.9.9: the access model is whitelist and the requester is not on it.</summary>
    public static readonly PubSubError ClosedNode = new("not-allowed", "cancel", "closed-node");

    /// <summary>§7.1.3.4: the payload is larger than the service allows.</summary>
    public static readonly PubSubError PayloadTooBig = new("not-acceptable", "modify", "payload-too-big");

    /// <summary>§7.1.3.6: an item must carry exactly one payload element.</summary>
    public static readonly PubSubError PayloadRequired = new("bad-request", "modify", "payload-required");

    public static readonly PubSubError InvalidPayload = new("bad-request", "modify", "invalid-payload");

    public static readonly PubSubError NodeIdRequired = new("bad-request", "modify", "nodeid-required");

    public static readonly PubSubError ItemIdRequired = new("bad-request", "modify", "item-required");

    /// <summary>§6.1.3.1: the JID to subscribe (or unsubscribe) is not the requester's own.</summary>
    public static readonly PubSubError InvalidJid = new("bad-request", "modify", "invalid-jid");

    /// <summary>§6.2.3.2: unsubscribe (or options) from a node the JID is not subscribed to.</summary>
    public static readonly PubSubError NotSubscribed = new("unexpected-request", "cancel", "not-subscribed");

    /// <summary>The requester owns as many nodes as the service lets one entity create.</summary>
    public static readonly PubSubError MaxNodesExceeded = new("not-allowed", "cancel", "max-nodes-exceeded");

    /// <summary>§16.4.3: a requested feature the service does not offer.</summary>
    public static PubSubError Unsupported(string feature) => new("feature-not-implemented", "cancel", "unsupported", feature);

    /// <summary>A configuration (or publish-options) value the service does not accept.</summary>
    public static PubSubError BadConfig(string text) => new("not-acceptable", "modify", null, null, text);

    /// <summary>A limit of the service (nodes, bytes) would be exceeded.</summary>
    public static PubSubError Limit(string text) => new("resource-constraint", "cancel", null, null, text);
}
