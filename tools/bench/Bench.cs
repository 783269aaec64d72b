using System.Diagnostics;
using System.Net;
using System.Xml.Linq;

namespace Xmpp.Bench;

/// <summary>What every scenario shares: where the server is, the accounts, how to log in.</summary>
internal sealed class BenchContext
{
    public required IPEndPoint[] Servers { get; init; }
    public required IPAddress?[] Sources { get; init; }
    public required string Prefix { get; init; }
    public required int First { get; init; }
    public required LoginSettings Login { get; init; }
    public required string Label { get; init; }
    public required ServerProcs Procs { get; init; }
    public required int Concurrency { get; init; }
    public required TimeSpan LoginTimeout { get; init; }
    public required TimeSpan PhaseTimeout { get; init; }
    public required string ScramCachePath { get; init; }

    public static BenchContext FromOptions(Options o)
    {
        var sources = o.Int("sources", 1);
        if (sources is < 1 or > 250) throw new UsageException("--sources must be 1..250");
        var domain = o.Str("domain", "localhost");
        var cachePath = o.Str("scram-cache", "");
        return new BenchContext
        {
            Servers = Options.ParseEndpoints(o.Str("server", "127.0.0.1:5222")),
            // 127.0.0.1 .. 127.0.0.N; with one source the kernel picks it as usual.
            Sources = sources == 1 ? [null] : Enumerable.Range(1, sources).Select(i => (IPAddress?)IPAddress.Parse($"127.0.0.{i}")).ToArray(),
            Prefix = o.Str("prefix", "bench"),
            First = o.Int("first", 1),
            Label = o.Str("label", "server"),
            Procs = ServerProcs.FromOptions(o),
            Concurrency = Math.Max(1, o.Int("concurrency", 50)),
            LoginTimeout = TimeSpan.FromSeconds(o.Double("login-timeout", 30)),
            PhaseTimeout = TimeSpan.FromSeconds(o.Double("timeout", 300)),
            ScramCachePath = cachePath,
            Login = new LoginSettings
            {
                Domain = domain,
                Password = o.Str("password", "bench-secret"),
                Mech = o.Str("mech", "scram") is var m && m is "scram" or "scram-sha-256" or "scram-sha-1" or "plain"
                    ? m : throw new UsageException("--mech must be scram, scram-sha-256, scram-sha-1 or plain"),
                RequireTls = !o.Flag("plain-tls"),
                NoTls = o.Flag("no-starttls"),
                TlsResume = o.Flag("tls-resume"),
                Presence = !o.Flag("no-presence"),
                Cache = new ScramCache(cachePath.Length > 0 ? cachePath : null, !o.Flag("no-scram-cache")),
            },
        };
    }

    public string UserName(int account) => $"{Prefix}{account}";
}

/// <summary>The outcome of logging many accounts in.</summary>
internal sealed class LoginBatch
{
    public readonly List<XmppConn> Online = [];
    public readonly Histogram Latency = new();
    public readonly Dictionary<string, int> Failures = new(StringComparer.Ordinal);
    public int NotAttempted;
    public TimeSpan Elapsed;
    public string Mechanism = "";
    public string Tls = "";

    public int Failed => Failures.Values.Sum();

    public string FailureSummary() =>
        string.Join("; ", Failures.OrderByDescending(kv => kv.Value).Take(3).Select(kv => $"{kv.Value}x {kv.Key}"));
}

internal static class Logins
{
    /// <summary>Logs accounts first..first+count-1 in with the context's concurrency; keeps the ones that made it.</summary>
    public static async Task<LoginBatch> LoginManyAsync(BenchContext ctx, int first, int count, CancellationToken ct)
    {
        var batch = new LoginBatch();
        var next = -1;
        var gate = new object();
        using var phase = CancellationTokenSource.CreateLinkedTokenSource(ct);
        phase.CancelAfter(ctx.PhaseTimeout);
        var sw = Stopwatch.StartNew();

        async Task Worker()
        {
            while (true)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= count) return;
                if (phase.IsCancellationRequested) { Interlocked.Increment(ref batch.NotAttempted); continue; }
                var account = first + i;
                var conn = new XmppConn(account, ctx.UserName(account));
                var server = ctx.Servers[account % ctx.Servers.Length];
                var source = ctx.Sources[account % ctx.Sources.Length];
                using var one = CancellationTokenSource.CreateLinkedTokenSource(phase.Token);
                one.CancelAfter(ctx.LoginTimeout);
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await conn.LoginAsync(server, source, ctx.Login, one.Token);
                    batch.Latency.Record((long)Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                    lock (gate)
                    {
                        batch.Online.Add(conn);
                        if (batch.Mechanism.Length == 0) { batch.Mechanism = conn.MechanismUsed; batch.Tls = conn.TlsInfo; }
                    }
                }
                catch (Exception e)
                {
                    var reason = e switch
                    {
                        OperationCanceledException => phase.IsCancellationRequested ? "phase timeout" : "login timeout",
                        BenchException => e.Message,
                        System.Net.Sockets.SocketException se => $"socket: {se.SocketErrorCode}",
                        _ => $"{e.GetType().Name}: {e.Message}",
                    };
                    lock (gate) batch.Failures[reason] = batch.Failures.GetValueOrDefault(reason) + 1;
                    await conn.DisposeAsync();
                }
            }
        }

        var workers = Enumerable.Range(0, Math.Min(ctx.Concurrency, Math.Max(count, 1))).Select(_ => Task.Run(Worker)).ToArray();
        await Task.WhenAll(workers);
        batch.Elapsed = sw.Elapsed;
        batch.Online.Sort((a, b) => a.Account.CompareTo(b.Account));
        return batch;
    }

    /// <summary>Closes every stream, waits up to <paramref name="wait"/> for the receive loops, then drops the sockets.</summary>
    public static async Task CloseAllAsync(IEnumerable<XmppConn> conns, IEnumerable<Task> loops, TimeSpan wait)
    {
        var list = conns.ToList();
        await Parallel.ForEachAsync(list, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (c, _) => await c.CloseAsync());
        try { await Task.WhenAll(loops).WaitAsync(wait); } catch (TimeoutException) { } catch (Exception) { }
        foreach (var c in list) await c.DisposeAsync();
    }
}
