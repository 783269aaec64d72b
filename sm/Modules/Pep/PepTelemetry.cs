using System.Diagnostics.Metrics;
using Xmpp.Common.PubSub;
using Xmpp.Sm.Telemetry;

namespace Xmpp.Sm.Modules.Pep;

/// <summary>XEP-0163 PEP metrics on sm's meter.</summary>
public static class PepTelemetry
{
    private static readonly Counter<long> Publishes = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.pep.published", "{item}", "Items published to PEP nodes");
    private static readonly Counter<long> Notifications = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.pep.notifications", "{message}", "PEP event notifications sent (new items, retractions, deletions, last items)");
    private static readonly Counter<long> Refusals = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.pep.refused", "{request}",
        "PEP requests refused, by operation and condition (e.g. publish/precondition-not-met, publish/payload-too-big, items/closed-node)");

    private static readonly Counter<long> Truncations = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.pep.truncated", "{answer}",
        "Items answers that returned only the newest items within Sm:Pep:MaxResultBytes (with an RSM count)");

    public static void Published() => Publishes.Add(1);
    public static void Truncated() => Truncations.Add(1);

    private static readonly Counter<long> LastSkipped = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.pep.last_items_skipped", "{item}",
        "Last items not sent to a resource whose caps started asking, because they went beyond Sm:Pep:MaxResultBytes at once");

    public static void LastItemsSkipped(int count) => LastSkipped.Add(count);
    public static void Notified(int count)
    {
        if (count > 0) Notifications.Add(count);
    }

    public static void Refused(string operation, PubSubError error) =>
        Refusals.Add(1, new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("condition", error.AppCondition ?? error.Condition));
}
