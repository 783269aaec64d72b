using System.Diagnostics;
using System.Diagnostics.Metrics;
using Xmpp.Common.PubSub;

namespace Xmpp.PubSub.Telemetry;

/// <summary>The pubsub service's spans and metrics (the component link's own counters are on the same meter).</summary>
public static class PubSubTelemetry
{
    public const string Name = "Xmpp.PubSub";
    public const string ServiceName = "xmpp-pubsub";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Publishes = Meter.CreateCounter<long>("xmpp.pubsub.published", "{item}", "Items published");
    private static readonly Counter<long> Notifications = Meter.CreateCounter<long>("xmpp.pubsub.notifications", "{message}",
        "Event notifications sent (new items, retractions, purges, deletions, last items on subscribe)");
    private static readonly Counter<long> NotSent = Meter.CreateCounter<long>("xmpp.pubsub.notifications.unsent", "{message}",
        "Event notifications the component link would not take (its queue full) or that came back undelivered, by reason");
    private static readonly Counter<long> Refusals = Meter.CreateCounter<long>("xmpp.pubsub.refused", "{request}",
        "Requests refused, by operation and condition (e.g. publish/forbidden, subscribe/closed-node, create/conflict)");
    private static readonly Counter<long> Ignored = Meter.CreateCounter<long>("xmpp.pubsub.ignored", "{stanza}",
        "Stanzas the service does not act on, by kind (presence, message, iq results and errors)");
    private static readonly Counter<long> Truncations = Meter.CreateCounter<long>("xmpp.pubsub.truncated", "{answer}",
        "Items answers that returned only the newest items within PubSub:MaxResultBytes (with an RSM count)");

    public static void Published() => Publishes.Add(1);
    public static void Truncated() => Truncations.Add(1);

    public static void Notified(int count)
    {
        if (count > 0) Notifications.Add(count);
    }

    public static void Unsent(string reason) => NotSent.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public static void Refused(string operation, PubSubError error) =>
        Refusals.Add(1, new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("condition", error.AppCondition ?? error.Condition));

    public static void Ignore(string kind) => Ignored.Add(1, new KeyValuePair<string, object?>("kind", kind));
}
