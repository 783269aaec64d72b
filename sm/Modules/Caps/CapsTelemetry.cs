using System.Diagnostics.Metrics;
using Xmpp.Sm.Telemetry;

namespace Xmpp.Sm.Modules.Caps;

/// <summary>XEP-0115 caps metrics on sm's meter.</summary>
public static class CapsTelemetry
{
    private static readonly Counter<long> Queries = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.caps.queries", "{query}",
        "disco#info queries for entity capabilities, by outcome: sent, verified, unverified, legacy, error, timeout, refused (too many out)");
    private static readonly Counter<long> CacheHits = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.caps.cache_hits", "{presence}", "Caps found in the verified cache");
    private static readonly Counter<long> Evictions = SmTelemetry.Meter.CreateCounter<long>("xmpp.sm.caps.cache_evictions", "{entry}", "Verified caps dropped from the full cache (Sm:Caps:CacheSize)");

    public static void Query(string outcome) => Queries.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
    public static void Cached() => CacheHits.Add(1);
    public static void Evicted() => Evictions.Add(1);
}
