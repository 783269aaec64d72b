using Xmpp.Common.PubSub;

namespace Xmpp.PubSub.Protocol;

/// <summary>
/// The shared node engine (Xmpp.Common.PubSub, the one sm's PEP runs on) set up as a service on its
/// own domain: nodes are created explicitly (no create-on-publish), instant nodes allowed, each node
/// owned by its creator, subscriptions kept. Access models open (default) and whitelist; presence
/// and roster would need the owner's roster, which lives in sm, so they are refused (&lt;not-acceptable/&gt;),
/// as is 'authorize'. send_last_published_item on_sub (default) or never: "on_sub_and_presence"
/// needs the subscribers' presence, which the service does not track.
/// </summary>
public static class ServiceEngine
{
    public static readonly AccessModel[] AccessModels = [AccessModel.Open, AccessModel.Whitelist];
    public static readonly string[] SendLastValues = ["never", "on_sub"];

    public static PubSubService Create(IPubSubStore store, IPubSubSubscriptionStore subscriptions, PubSubOptions options, TimeProvider clock) =>
        new(store, new PubSubLimits(options.MaxItemsPerNode, options.MaxItemBytes, options.MaxNodes, options.MaxStoredBytes,
            options.MaxNodesPerUser, options.MaxSubscriptionsPerNode), clock, subscriptions)
        {
            AutoCreate = false,
            InstantNodes = true,
            AccessModels = new HashSet<AccessModel>(AccessModels),
            SendLastValues = new HashSet<string>(SendLastValues, StringComparer.Ordinal),
            Defaults = new NodeConfig
            {
                AccessModel = AccessModel.Open,
                MaxItems = Math.Min(options.DefaultMaxItems, options.MaxItemsPerNode),
                SendLastPublishedItem = "on_sub",
            },
        };
}
