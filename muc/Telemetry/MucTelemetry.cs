using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Xmpp.Muc.Telemetry;

/// <summary>The group chat service's spans and metrics (source and meter "Xmpp.Muc", service xmpp-muc).</summary>
public sealed class MucTelemetry
{
    public const string Name = "Xmpp.Muc";
    public const string ServiceName = "xmpp-muc";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    private int _rooms;
    private int _occupants;

    private readonly Counter<long> _refused = Meter.CreateCounter<long>("xmpp.muc.refused", "{stanza}",
        "Stanzas the service answered with an error, by kind and condition (forbidden, conflict, not-authorized, registration-required, ...)");
    private readonly Counter<long> _dropped = Meter.CreateCounter<long>("xmpp.muc.dropped", "{stanza}",
        "Stanzas the service dropped without an answer (errors and results nobody waits for, presence subscriptions), by reason");
    private readonly Counter<long> _removed = Meter.CreateCounter<long>("xmpp.muc.occupants.removed", "{occupant}",
        "Occupants removed by the service, by reason (kicked, banned, affiliation, members-only, error, destroyed, shutdown)");
    private readonly Counter<long> _archive = Meter.CreateCounter<long>("xmpp.muc.archive.removed", "{message}",
        "Archived messages deleted, by reason (quota: Muc:MaxArchiveMessagesPerRoom, expired: Muc:ArchiveRetention)");

    public Counter<long> Messages { get; } = Meter.CreateCounter<long>("xmpp.muc.messages", "{message}", "Groupchat messages broadcast");
    public Counter<long> Deliveries { get; } = Meter.CreateCounter<long>("xmpp.muc.deliveries", "{stanza}", "Stanzas sent to occupants by broadcasts");
    public Counter<long> Archived { get; } = Meter.CreateCounter<long>("xmpp.muc.archive.stored", "{message}", "Groupchat messages archived");

    public MucTelemetry()
    {
        Meter.CreateObservableGauge("xmpp.muc.rooms", () => Volatile.Read(ref _rooms), "{room}", "Rooms that exist now (persistent and temporary)");
        Meter.CreateObservableGauge("xmpp.muc.occupants", () => Volatile.Read(ref _occupants), "{occupant}", "Occupants in all rooms now");
    }

    public void Refused(string kind, string condition) =>
        _refused.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("condition", condition));

    public void Dropped(string reason) => _dropped.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Removed(string reason) => _removed.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void ArchiveRemoved(string reason, int count)
    {
        if (count > 0) _archive.Add(count, new KeyValuePair<string, object?>("reason", reason));
    }

    public void RoomsChanged(int delta) => Interlocked.Add(ref _rooms, delta);

    public void OccupantsChanged(int delta) => Interlocked.Add(ref _occupants, delta);
}
