using System.Diagnostics;

namespace Xmpp.Bench;

/// <summary>
/// The measured part of a flow scenario (messages, groupchat): after the warm-up, for the duration,
/// what was sent and what the load generator and the server processes spent. Receivers ask
/// <see cref="Contains"/> whether a timestamp falls inside it (latency samples, deliveries counted).
/// </summary>
internal sealed class MeasuredWindow
{
    private long _start = long.MaxValue, _end = long.MaxValue;

    public bool Contains(long timestamp) => timestamp >= Volatile.Read(ref _start) && timestamp < Volatile.Read(ref _end);

    /// <summary>Waits out the warm-up, then measures for <paramref name="duration"/> seconds; <paramref name="sent"/> reads the senders' count.</summary>
    public async Task<WindowCost> MeasureAsync(BenchContext ctx, double warmup, double duration, Func<long> sent, CancellationToken ct)
    {
        await Task.Delay(TimeSpan.FromSeconds(warmup), ct);
        var before = ctx.Procs.Sample();
        var cpu0 = ServerProcs.SelfCpu();
        var gc0 = (Pause: GC.GetTotalPauseDuration(), Count: GC.CollectionCount(0));
        var sent0 = sent();
        Volatile.Write(ref _start, Stopwatch.GetTimestamp());
        await Task.Delay(TimeSpan.FromSeconds(duration), ct);
        Volatile.Write(ref _end, Stopwatch.GetTimestamp());
        var sent1 = sent();
        return new WindowCost(
            Seconds: Stopwatch.GetElapsedTime(_start, _end).TotalSeconds,
            Sent: sent1 - sent0,
            BenchCpu: ServerProcs.SelfCpu() - cpu0,
            GcPauseMs: (GC.GetTotalPauseDuration() - gc0.Pause).TotalMilliseconds,
            GcCount: GC.CollectionCount(0) - gc0.Count,
            ServerCpu: CpuSplit.Between(before, ctx.Procs.Sample()));
    }
}

/// <summary>What one measured window cost: its length, the messages sent in it, the load generator's CPU and GC, each server process's CPU.</summary>
internal sealed record WindowCost(double Seconds, long Sent, double BenchCpu, double GcPauseMs, int GcCount, Dictionary<string, double> ServerCpu)
{
    /// <summary>The CPU part of a report, human and machine-readable, as every flow scenario writes it.</summary>
    public void AppendCpu(Report r)
    {
        r.Human.Append($"; bench cpu {Report.F(BenchCpu, "0.00")} s ({Report.F(100 * BenchCpu / Seconds, "0")}% of a core, {GcCount} GCs pausing it {Report.F(GcPauseMs, "0.0")} ms)");
        if (ServerCpu.Count > 0) r.Human.Append($"; server cpu {Report.F(ServerCpu.Values.Sum(), "0.00")} s [{Report.Split(ServerCpu)}]");
        r.Set("bench_cpu_s", BenchCpu).Set("bench_cpu_pct", 100 * BenchCpu / Seconds)
            .Set("bench_gc_count", GcCount).Set("bench_gc_pause_ms", GcPauseMs)
            .Set("server_cpu_s", ServerCpu.Values.Sum()).Set("server_cpu", ServerCpu);
    }
}
