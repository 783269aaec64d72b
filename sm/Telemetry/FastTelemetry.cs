using System.Diagnostics.Metrics;

namespace Xmpp.Sm.Telemetry;

/// <summary>Metrics of XEP-0484 FAST tokens (sm/Modules/Fast), on sm's meter.</summary>
public static class FastTelemetry
{
    public static readonly Counter<long> Issued = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.fast.issued", "{token}",
        "FAST tokens issued, by reason (requested: the client asked with request-token; rotated: the token used was due for rotation)");
    public static readonly Counter<long> Used = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.fast.used", "{login}",
        "Logins with a FAST token, by mechanism");
    public static readonly Counter<long> Refused = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.fast.refused", "{attempt}",
        "FAST logins or token requests refused, by reason (mismatch: no token of that client matched; mechanism: the token is bound to another mechanism; expired; replay: a count not above one already used; no-user-agent; bad-mechanism)");
    public static readonly Counter<long> Revoked = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.fast.revoked", "{token}",
        "FAST tokens removed before use or expiry, by reason (invalidated: the client's <fast invalidate='true'/>; password-changed; evicted: beyond Sm:Fast:MaxTokensPerAccount; expired: cleaned up)");

    public static void Add(Counter<long> counter, string reason, long count = 1)
    {
        if (count > 0) counter.Add(count, new KeyValuePair<string, object?>("reason", reason));
    }
}
