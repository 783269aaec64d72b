using System.Diagnostics.Metrics;

namespace Xmpp.Sm.Telemetry;

/// <summary>Metrics of message carbons (XEP-0280), the archive (XEP-0313) and stanza ids (XEP-0359), on sm's meter.</summary>
public static class ArchiveTelemetry
{
    public static readonly Counter<long> Archived = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.archive.stored", "{message}",
        "Messages stored in archives, by direction (incoming, outgoing)");
    public static readonly Counter<long> Removed = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.archive.removed", "{message}",
        "Archived messages removed, by reason (quota: the account's Sm:Archive:MaxMessagesPerAccount; expired: older than Sm:Archive:RetentionDays)");
    public static readonly Counter<long> NotArchived = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.archive.not_stored", "{message}",
        "Archivable messages not stored because the account's preferences say so (reason prefs)");
    public static readonly Counter<long> Refused = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.archive.refused", "{request}",
        "Archive queries and preference changes refused, by reason");
    public static readonly Counter<long> ForgedIds = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.stanza_ids.stripped", "{element}",
        "XEP-0359 stanza-ids from clients claiming one of our entities, removed");
    public static readonly Counter<long> Carbons = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.carbons.sent", "{message}",
        "Message carbons sent, by direction (sent, received)");

    public static void Add(Counter<long> counter, string tag, string value) =>
        counter.Add(1, new KeyValuePair<string, object?>(tag, value));
}
