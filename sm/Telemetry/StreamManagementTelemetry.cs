using System.Diagnostics.Metrics;

namespace Xmpp.Sm.Telemetry;

/// <summary>XEP-0198 stream management counters, on sm's Meter (<see cref="SmTelemetry.Meter"/>).</summary>
public static class StreamManagementTelemetry
{
    public static readonly Counter<long> Enabled = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.stream_management.enabled", "{session}",
        "Sessions that enabled stream management, by resumable (true, false)");
    public static readonly Counter<long> Detached = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.stream_management.detached", "{session}",
        "Resumable sessions that lost their connection and wait for a resumption, by reason (connection, c2s-down, route-failed, inbound-gap)");
    public static readonly Counter<long> Resumed = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.stream_management.resumed", "{session}",
        "Sessions a client resumed, by whether on the same c2s (same, other)");
    public static readonly Counter<long> ResumeFailed = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.stream_management.resume_failed", "{request}",
        "Resumptions refused, by reason (item-not-found: unknown or expired previd; other-account: a previd of another account; bad-request)");
    public static readonly Counter<long> Ended = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.stream_management.ended", "{session}",
        "Sessions with stream management that ended for good holding unacknowledged stanzas, by reason (the session's end reason)");
    public static readonly Counter<long> Unacked = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.stream_management.unacked", "{stanza}",
        "Unacknowledged stanzas of sessions that ended, handled as undelivered (see xmpp.sm.undelivered for the outcome), by kind");
    public static readonly Counter<long> Dropped = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.stream_management.dropped", "{stanza}",
        "Client stanzas sm did not take, by reason (detached: the session had no connection; duplicate; gap: earlier ones were lost on the link, c2s is asked to send them again)");
    public static readonly Counter<long> BadAcks = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.stream_management.bad_acks", "{ack}",
        "Client acknowledgements that named stanzas never sent (too-high) or an h behind an earlier one (stale)");

    public static readonly Counter<long> Resent = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.stream_management.resent", "{stanza}",
        "Repair of frames lost on the router link, by direction (to-c2s: sm's stanzas sent again on c2s's SM_RESEND; asked-of-c2s: SM_RESEND requests sm sent after a gap)");

    private static int _detachedSessions;

    static StreamManagementTelemetry() =>
        SmTelemetry.Meter.CreateObservableUpDownCounter("xmpp.sm.stream_management.detached_sessions", () => Volatile.Read(ref _detachedSessions), "{session}",
            "Sessions waiting for their client to resume them");

    public static void SetDetached(int count) => Volatile.Write(ref _detachedSessions, count);

    public static void Add(Counter<long> counter, string tag, string value) => counter.Add(1, new KeyValuePair<string, object?>(tag, value));

    public static void Add(Counter<long> counter, string tag, string value, long count)
    {
        if (count > 0) counter.Add(count, new KeyValuePair<string, object?>(tag, value));
    }
}
