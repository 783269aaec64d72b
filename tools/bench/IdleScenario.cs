using System.Diagnostics;
using System.Globalization;

namespace Xmpp.Bench;

/// <summary>
/// idle: N authenticated idle TLS connections; the resident memory of all server processes
/// (VmRSS, descendants included) after they are up and settled, minus the baseline before the
/// first connection, divided by N. Above --per-worker connections the clients are spread over
/// worker processes (each process's open-file limit caps its sockets), each with its own slice of
/// the accounts. --prime P first logs P accounts in and out, so the baseline is a warmed-up server.
/// Sources 127.0.0.1..127.0.0.S spread the connections over several source
/// addresses so one address's port range is no limit.
/// </summary>
internal static class IdleScenario
{
    public static async Task<int> RunAsync(Options o, string[] rawArgs, CancellationToken ct)
    {
        var ctx = BenchContext.FromOptions(o);
        var n = o.Int("connections", 1000);
        var perWorker = Math.Max(1, o.Int("per-worker", 9000));
        var settle = o.Double("settle", 5);
        var hold = o.Double("hold", 0);
        var prime = o.Int("prime", 0);
        o.RejectUnknown();
        ctx.Login.ZeroByteReads = true;
        if (!ctx.Procs.Any) throw new UsageException("idle needs the server's processes: --server-pids, --server-pidfile or --server-match");

        if (prime > 0)
        {
            // Warm the server first (code paths compiled, pools and caches grown) so the baseline is a
            // server that has served logins, not one that has never run them; then let it settle.
            var warm = await Logins.LoginManyAsync(ctx, ctx.First, prime, ct);
            await Logins.CloseAllAsync(warm.Online, [], TimeSpan.Zero);
            await Task.Delay(TimeSpan.FromSeconds(settle), ct);
        }
        var baseline = ctx.Procs.Sample();
        var baseRss = baseline.Sum(p => p.RssKiB);
        var cpu0 = ServerProcs.SelfCpu();
        var sw = Stopwatch.StartNew();

        var workers = (n + perWorker - 1) / perWorker;
        int ok, failed;
        string failures, mech = "", tls = "";
        var latencies = new List<(double P50, double P99)>();
        double workerCpu = 0;
        List<XmppConn> local = [];
        List<Process> children = [];
        if (workers <= 1)
        {
            var batch = await Logins.LoginManyAsync(ctx, ctx.First, n, ct);
            local = batch.Online;
            ok = batch.Online.Count;
            failed = n - ok;
            failures = batch.FailureSummary() + (batch.NotAttempted > 0 ? $"; {batch.NotAttempted} not attempted" : "");
            mech = batch.Mechanism;
            tls = batch.Tls;
            latencies.Add((batch.Latency.Quantile(0.5) / 1000.0, batch.Latency.Quantile(0.99) / 1000.0));
        }
        else
        {
            ok = 0; failed = 0; failures = "";
            var slice = (n + workers - 1) / workers;
            var readyTasks = new List<Task<string>>();
            for (var w = 0; w < workers; w++)
            {
                var first = ctx.First + w * slice;
                var count = Math.Min(slice, n - w * slice);
                var child = StartWorker(rawArgs, first, count);
                children.Add(child);
                readyTasks.Add(ReadLineWithPrefixAsync(child, "CONNECTED ", ct));
            }
            foreach (var line in await Task.WhenAll(readyTasks))
            {
                var kv = ParseKv(line);
                ok += int.Parse(kv.GetValueOrDefault("ok", "0"), CultureInfo.InvariantCulture);
                failed += int.Parse(kv.GetValueOrDefault("failed", "0"), CultureInfo.InvariantCulture);
                if (kv.TryGetValue("failures", out var f) && f.Length > 0) failures += f + " ";
                if (mech.Length == 0) { mech = kv.GetValueOrDefault("mech", ""); tls = kv.GetValueOrDefault("tls", "").Replace('_', ' '); }
                latencies.Add((double.Parse(kv.GetValueOrDefault("p50", "0"), CultureInfo.InvariantCulture),
                               double.Parse(kv.GetValueOrDefault("p99", "0"), CultureInfo.InvariantCulture)));
            }
        }
        var connectSecs = sw.Elapsed.TotalSeconds;
        ctx.Login.Cache.Save();

        await Task.Delay(TimeSpan.FromSeconds(settle), ct);
        var after = ctx.Procs.Sample();
        var rss = after.Sum(p => p.RssKiB);
        var perConn = ok > 0 ? (rss - baseRss) / (double)ok : 0;
        if (hold > 0) await Task.Delay(TimeSpan.FromSeconds(hold), ct);

        // Close: workers on "stop" report their own CPU time.
        foreach (var child in children)
        {
            try { await child.StandardInput.WriteLineAsync("stop"); await child.StandardInput.FlushAsync(ct); } catch (IOException) { }
        }
        foreach (var child in children)
        {
            try
            {
                var done = await ReadLineWithPrefixAsync(child, "DONE ", ct).WaitAsync(TimeSpan.FromSeconds(60), ct);
                workerCpu += double.Parse(ParseKv(done).GetValueOrDefault("cpu", "0"), CultureInfo.InvariantCulture);
                await child.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(10), ct);
            }
            catch (TimeoutException) { try { child.Kill(); } catch (InvalidOperationException) { } }
        }
        await Logins.CloseAllAsync(local, [], TimeSpan.Zero);
        var cpu = ServerProcs.SelfCpu() - cpu0 + workerCpu;

        var perProc = after.Select(p =>
        {
            var b = baseline.FirstOrDefault(x => x.Pid == p.Pid);
            return (Key: $"{p.Name}:{p.Pid}", Rss: p.RssKiB, Delta: p.RssKiB - (b.Pid == p.Pid ? b.RssKiB : 0));
        }).ToList();
        var r = new Report("idle", ctx.Label);
        r.Human.Append($"{ok}/{n} idle TLS connections ({Report.F(connectSecs, "0.0")} s to connect, {workers} client process(es), {ctx.Sources.Length} source address(es)): ");
        r.Human.Append($"{Report.F(perConn, "0.0")} KiB per connection; server RSS {baseRss / 1024} MiB -> {rss / 1024} MiB ");
        r.Human.Append($"[{string.Join(", ", perProc.Select(p => $"{p.Key.Split(':')[0]} +{p.Delta / 1024} MiB"))}]; {mech}, {tls}; ");
        r.Human.Append($"bench cpu {Report.F(cpu, "0.00")} s");
        if (failed > 0) r.Human.Append($"; FAILED {failed}: {failures.Trim()}");
        r.Set("connections", n).Set("ok", ok).Set("failed", failed).Set("failures", failures.Trim())
            .Set("kib_per_connection", perConn).Set("baseline_kib", baseRss).Set("loaded_kib", rss)
            .Set("per_process_kib", perProc.ToDictionary(p => p.Key, p => new { rss = p.Rss, delta = p.Delta }))
            .Set("connect_s", connectSecs).Set("logins_per_s", ok / connectSecs)
            .Set("login_p50_ms", latencies.Max(l => l.P50)).Set("login_p99_ms", latencies.Max(l => l.P99))
            .Set("client_processes", Math.Max(workers, 1)).Set("sources", ctx.Sources.Length)
            .Set("mechanism", mech).Set("tls", tls).Set("bench_cpu_s", cpu);
        r.Print(Console.Out);
        return failed == 0 ? 0 : 1;
    }

    /// <summary>idle-worker: log a slice in, say CONNECTED, hold until "stop" on stdin, then close and say DONE with the CPU time.</summary>
    public static async Task<int> WorkerAsync(Options o, CancellationToken ct)
    {
        var ctx = BenchContext.FromOptions(o);
        var count = o.Int("count", 0);
        o.Int("connections", 0); o.Int("per-worker", 0); o.Double("settle", 0); o.Double("hold", 0); o.Int("prime", 0);
        ctx.Login.ZeroByteReads = true;
        ServerProcs.FromOptions(o);
        o.RejectUnknown();
        var cpu0 = ServerProcs.SelfCpu();
        var batch = await Logins.LoginManyAsync(ctx, ctx.First, count, ct);
        ctx.Login.Cache.Save();
        var failures = batch.FailureSummary().Replace(' ', '_');
        Console.WriteLine(FormattableString.Invariant(
            $"CONNECTED ok={batch.Online.Count} failed={count - batch.Online.Count} mech={batch.Mechanism} tls={batch.Tls.Replace(' ', '_')} p50={batch.Latency.Quantile(0.5) / 1000.0} p99={batch.Latency.Quantile(0.99) / 1000.0} failures={failures}"));
        Console.Out.Flush();
        using var stopReceive = new CancellationTokenSource();
        var loops = batch.Online.Select(c => Task.Run(() => c.ReceiveLoopAsync((_, _, _) => { }, stopReceive.Token))).ToArray();
        await Task.Run(Console.In.ReadLine, ct); // "stop", or end of input when the parent goes
        stopReceive.CancelAfter(TimeSpan.FromSeconds(3));
        await Logins.CloseAllAsync(batch.Online, loops, TimeSpan.FromSeconds(3));
        Console.WriteLine(FormattableString.Invariant($"DONE cpu={ServerProcs.SelfCpu() - cpu0}"));
        Console.Out.Flush();
        return 0;
    }

    private static Process StartWorker(string[] rawArgs, int first, int count)
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
            psi.ArgumentList.Add(typeof(IdleScenario).Assembly.Location);
        psi.ArgumentList.Add("idle-worker");
        foreach (var a in rawArgs.Skip(1)) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add($"--first={first}");
        psi.ArgumentList.Add($"--count={count}");
        // Each worker saves its own cache copy only if told; the parent's file is read, not raced.
        return Process.Start(psi) ?? throw new BenchException("could not start a worker");
    }

    private static async Task<string> ReadLineWithPrefixAsync(Process p, string prefix, CancellationToken ct)
    {
        while (true)
        {
            var line = await p.StandardOutput.ReadLineAsync(ct) ?? throw new BenchException($"a worker exited before '{prefix.Trim()}'");
            if (line.StartsWith(prefix, StringComparison.Ordinal)) return line[prefix.Length..];
            Console.Error.WriteLine($"worker {p.Id}: {line}");
        }
    }

    private static Dictionary<string, string> ParseKv(string line)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            if (eq > 0) d[part[..eq]] = part[(eq + 1)..];
        }
        return d;
    }
}
