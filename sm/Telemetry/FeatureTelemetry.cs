using System.Diagnostics.Metrics;

namespace Xmpp.Sm.Telemetry;

/// <summary>
/// Counters of the profile feature modules (vCard, private storage, blocking), on sm's Meter
/// (<see cref="SmTelemetry.Meter"/>): every refusal and every stanza a block stopped.
/// </summary>
public static class FeatureTelemetry
{
    public static readonly Counter<long> Refusals = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.feature.refused", "{request}",
        "Requests a feature module refused, by module and reason (size, forbidden, reserved, items, ...)");
    public static readonly Counter<long> BlockedStanzas = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.blocking.stopped", "{stanza}",
        "Stanzas stopped by a XEP-0191 block, by kind and direction (inbound: from a JID the addressee blocked; outbound: to a JID the sender blocked) and outcome (error, dropped)");

    public static void Refused(string module, string reason) =>
        Refusals.Add(1, new KeyValuePair<string, object?>("module", module), new KeyValuePair<string, object?>("reason", reason));

    public static void Blocked(string kind, string direction, string outcome) =>
        BlockedStanzas.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("direction", direction),
            new KeyValuePair<string, object?>("outcome", outcome));
}
