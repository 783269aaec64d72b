using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Xmpp.Common.Components;

/// <summary>
/// The link's spans and counters, on the hosting process's own source and meter (xmpp-muc's,
/// xmpp-upload's, ...), so they are exported with the service's other telemetry.
/// </summary>
public sealed class ServiceComponentTelemetry(ActivitySource source, Meter meter)
{
    public ActivitySource Source { get; } = source;

    public Counter<long> StanzasIn { get; } = meter.CreateCounter<long>("xmpp.component.stanzas.in", "{stanza}", "Stanzas the service received from the router");

    public Counter<long> StanzasOut { get; } = meter.CreateCounter<long>("xmpp.component.stanzas.out", "{stanza}", "Stanzas the service sent");

    private readonly Counter<long> _dropped = meter.CreateCounter<long>("xmpp.component.dropped", "{stanza}",
        "Stanzas the service could not take or pass on, by direction and reason (unparsable, inbound-full, too-large, link-refused, returned, link-expired)");

    public void Drop(string direction, string reason) =>
        _dropped.Add(1, new KeyValuePair<string, object?>("direction", direction), new KeyValuePair<string, object?>("reason", reason));
}
