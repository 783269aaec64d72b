using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Xmpp.Gateway.Telemetry;

/// <summary>The gateway's metrics: attached components, refused attachments and stanzas, drops.</summary>
public static class GatewayTelemetry
{
    public const string Name = "Xmpp.Gateway";
    public const string ServiceName = "xmpp-gateway";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    private static int _attached;

    public static readonly Counter<long> Refusals = Meter.CreateCounter<long>("xmpp.gateway.refused", "{event}",
        "Component streams or stanzas refused, by reason (not-authorized, host-unknown, conflict, invalid-namespace, invalid-from, improper-addressing, policy-violation, connection-timeout, ...)");
    public static readonly Counter<long> Dropped = Meter.CreateCounter<long>("xmpp.gateway.dropped", "{stanza}",
        "Stanzas the gateway could not pass on, by direction and reason (link-refused, unparsable, output-overflow, route-error)");
    public static readonly Counter<long> StanzasIn = Meter.CreateCounter<long>("xmpp.gateway.stanzas.in", "{stanza}", "Stanzas from components routed to the server");
    public static readonly Counter<long> StanzasOut = Meter.CreateCounter<long>("xmpp.gateway.stanzas.out", "{stanza}", "Stanzas written to components");

    static GatewayTelemetry()
    {
        Meter.CreateObservableGauge("xmpp.gateway.attached", () => Volatile.Read(ref _attached), "{component}", "Components attached now");
    }

    public static void Refused(string reason) => Refusals.Add(1, new KeyValuePair<string, object?>("reason", reason));
    public static void Drop(string direction, string reason) =>
        Dropped.Add(1, new KeyValuePair<string, object?>("direction", direction), new KeyValuePair<string, object?>("reason", reason));
    public static void Attached() => Interlocked.Increment(ref _attached);
    public static void Detached() => Interlocked.Decrement(ref _attached);
}
