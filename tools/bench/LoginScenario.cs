namespace Xmpp.Bench;

/// <summary>login: C accounts log in with concurrency K; logins/s and login latency.</summary>
internal static class LoginScenario
{
    public static async Task<int> RunAsync(Options o, CancellationToken ct)
    {
        var ctx = BenchContext.FromOptions(o);
        var count = o.Int("accounts", 100);
        o.RejectUnknown();

        var before = ctx.Procs.Sample();
        var cpu0 = ServerProcs.SelfCpu();
        var batch = await Logins.LoginManyAsync(ctx, ctx.First, count, ct);
        var cpu = ServerProcs.SelfCpu() - cpu0;
        var split = CpuSplit.Between(before, ctx.Procs.Sample());
        ctx.Login.Cache.Save();

        var secs = batch.Elapsed.TotalSeconds;
        var ok = batch.Online.Count;
        var rate = ok / secs;
        var r = new Report("login", ctx.Label);
        r.Human.Append($"{ok}/{count} ok in {Report.F(secs, "0.00")} s = {Report.F(rate)} logins/s; ");
        r.Human.Append($"latency p50 {Report.Ms(batch.Latency.Quantile(0.5))} ms p99 {Report.Ms(batch.Latency.Quantile(0.99))} ms max {Report.Ms(batch.Latency.Max)} ms; ");
        r.Human.Append($"concurrency {ctx.Concurrency}, {batch.Mechanism}, {batch.Tls}; ");
        r.Human.Append($"bench cpu {Report.F(cpu, "0.00")} s ({Report.F(100 * cpu / secs, "0")}% of a core)");
        if (split.Count > 0) r.Human.Append($"; server cpu {Report.F(split.Values.Sum(), "0.00")} s [{Report.Split(split)}]");
        if (batch.Failed > 0) r.Human.Append($"; FAILED {batch.Failed}: {batch.FailureSummary()}");
        if (batch.NotAttempted > 0) r.Human.Append($"; not attempted {batch.NotAttempted}");
        r.Set("accounts", count).Set("concurrency", ctx.Concurrency).Set("ok", ok).Set("failed", batch.Failed)
            .Set("not_attempted", batch.NotAttempted).Set("failures", batch.Failures)
            .Set("seconds", secs).Set("logins_per_s", rate)
            .Set("p50_ms", batch.Latency.Quantile(0.5) / 1000.0).Set("p99_ms", batch.Latency.Quantile(0.99) / 1000.0)
            .Set("max_ms", batch.Latency.Max / 1000.0)
            .Set("mechanism", batch.Mechanism).Set("tls", batch.Tls)
            .Set("scram_cache_hits", ctx.Login.Cache.Hits).Set("scram_cache_misses", ctx.Login.Cache.Misses)
            .Set("bench_cpu_s", cpu).Set("bench_cpu_pct", 100 * cpu / secs)
            .Set("server_cpu_s", split.Values.Sum()).Set("server_cpu", split);
        r.Print(Console.Out);

        await Logins.CloseAllAsync(batch.Online, [], TimeSpan.Zero);
        return batch.Failed + batch.NotAttempted == 0 ? 0 : 1;
    }
}
