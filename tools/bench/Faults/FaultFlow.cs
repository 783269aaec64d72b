using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;

namespace Xmpp.Bench.Faults;

/// <summary>What a numbered flow runs against, and when its fault comes.</summary>
internal sealed class FaultFlowSettings
{
    /// <summary>The client ports (two c2s); pair i's sender starts on server i % n, its receiver on the next one.</summary>
    public required IPEndPoint[] Servers { get; init; }
    /// <summary>2 × pairs accounts: sender of pair i at 2i, its receiver at 2i + 1.</summary>
    public required IReadOnlyList<(string User, string Password)> Accounts { get; init; }
    public required string Domain { get; init; }
    /// <summary>Messages a second per sender.</summary>
    public required double Rate { get; init; }
    public required TimeSpan Duration { get; init; }
    /// <summary>When, after the senders started, <see cref="Fault"/> is called (null: no fault).</summary>
    public TimeSpan FaultAt { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Kills or stops a process (and restarts it); the flow goes on meanwhile.</summary>
    public Func<CancellationToken, Task>? Fault { get; init; }
    /// <summary>
    /// The senders go on for at least this long after the fault is over (the process is back), however
    /// long it took: a process that takes 30 s to stop is measured with messages flowing through its end.
    /// </summary>
    public TimeSpan AfterFault { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Index into <see cref="Servers"/> of the c2s the fault kills (-1: the fault is elsewhere).</summary>
    public int FaultedServer { get; init; } = -1;
    /// <summary>After the senders stop: how long to wait for the last messages and acknowledgements.</summary>
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan LateAfter { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>How often a client with unacknowledged stanzas asks for an ack (&lt;r/&gt; or a ping).</summary>
    public TimeSpan AckEvery { get; init; } = TimeSpan.FromMilliseconds(100);
    public TimeSpan LoginTimeout { get; init; } = TimeSpan.FromSeconds(5);
    public bool UseStreamManagement { get; init; } = true;
    public string Mech { get; init; } = "scram";
    public ScramCache ScramCache { get; init; } = new(null, enabled: true);
    public Action<string> Log { get; init; } = _ => { };
}

/// <summary>What a fault run measured.</summary>
internal sealed class FaultFlowResult
{
    public required FaultCounts Counts { get; init; }
    public required int Pairs { get; init; }
    public required bool StreamManagement { get; init; }
    public required IReadOnlyList<FaultDisconnect> Disconnects { get; init; }
    public required int FaultedServer { get; init; }
    public required int ResumeFailures { get; init; }
    public double FaultStartedS { get; init; }
    public double FaultTookS { get; init; }
    public string? FaultError { get; init; }
    public double DrainS { get; init; }
    /// <summary>How long the senders sent (the duration, or longer when the fault outlasted it).</summary>
    public double SentForS { get; init; }

    /// <summary>Connections dropped although the client's c2s was not the one the fault hit.</summary>
    public int SurvivorDisconnects => Disconnects.Count(d => d.Server != FaultedServer);
    public int Resumed => Disconnects.Count(d => d.How == "resumed");
    public int Relogins => Disconnects.Count(d => d.How.StartsWith("relogin", StringComparison.Ordinal));
    public int Unrecovered => Disconnects.Count(d => d.RecoveredAt == 0);
    public IReadOnlyList<double> RecoverySeconds => Disconnects.Where(d => d.RecoverySeconds is not null).Select(d => d.RecoverySeconds!.Value).Order().ToList();

    public double? RecoveryQuantile(double q)
    {
        var r = RecoverySeconds;
        return r.Count == 0 ? null : r[Math.Min(r.Count - 1, (int)Math.Ceiling(q * r.Count) - 1 < 0 ? 0 : (int)Math.Ceiling(q * r.Count) - 1)];
    }
}

/// <summary>
/// The numbered flow of a fault run, shared by the bench's <c>faults</c> scenario and the
/// integration tests: N sender/receiver pairs over the c2s ports, each sender writing numbered
/// messages at a fixed rate to its receiver's bare JID; at <see cref="FaultFlowSettings.FaultAt"/>
/// the fault is injected while the flow goes on; after the duration the run drains and every
/// message is accounted for in a <see cref="FaultLedger"/>.
/// </summary>
internal static class FaultFlow
{
    public static async Task<FaultFlowResult> RunAsync(FaultFlowSettings s, CancellationToken ct)
    {
        if (s.Accounts.Count < 2 || s.Accounts.Count % 2 != 0) throw new ArgumentException("the flow needs pairs of accounts", nameof(s));
        if (s.Rate <= 0) throw new ArgumentException("the rate must be positive", nameof(s));
        var pairs = s.Accounts.Count / 2;
        var ledger = new FaultLedger(pairs, s.LateAfter);
        var runTag = Guid.NewGuid().ToString("N")[..8];
        var clients = new FaultClient[s.Accounts.Count];
        for (var i = 0; i < clients.Length; i++)
        {
            var pair = i / 2;
            var receiver = i % 2 == 1;
            var (user, password) = s.Accounts[i];
            clients[i] = new FaultClient(new FaultClientSettings
            {
                Account = i,
                User = user,
                Login = new LoginSettings { Domain = s.Domain, Password = password, Cache = s.ScramCache, Mech = s.Mech, Resource = receiver ? "receiver" : "sender" },
                Servers = s.Servers,
                Home = (pair + (receiver ? 1 : 0)) % s.Servers.Length,
                Pair = pair,
                IsReceiver = receiver,
                PeerBareJid = XmppConn.Escape($"{s.Accounts[i | 1].User}@{s.Domain}"),
                RunTag = runTag,
                UseStreamManagement = s.UseStreamManagement,
                LoginTimeout = s.LoginTimeout,
                Log = s.Log,
            }, ledger);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var runs = new List<Task>();
        try
        {
            // receivers first: a sender's first message finds its receiver available
            await Task.WhenAll(clients.Where((_, i) => i % 2 == 1).Select(c => c.StartAsync(ct)));
            await Task.WhenAll(clients.Where((_, i) => i % 2 == 0).Select(c => c.StartAsync(ct)));
            s.Log($"{clients.Length} clients logged in; stream management {(clients.All(c => c.StreamManagement) ? "on" : clients.Any(c => c.StreamManagement) ? "on for some" : "off")}");
            runs.AddRange(clients.Select(c => Task.Run(() => c.RunAsync(stop.Token))));
            runs.AddRange(clients.Select(c => Task.Run(() => AckLoopAsync(c, s.AckEvery, stop.Token))));

            var start = Stopwatch.GetTimestamp();
            var planned = start + (long)(s.Duration.TotalSeconds * Stopwatch.Frequency);
            var sendUntil = new StrongBox<long>(planned);
            var pacers = clients.Where((_, i) => i % 2 == 0)
                .Select((c, pair) => Task.Run(() => PaceAsync(c, ledger, pair, s.Rate, start, sendUntil, stop.Token))).ToArray();

            Task? fault = null;
            double faultStarted = 0, faultTook = 0;
            string? faultError = null;
            if (s.Fault is not null)
            {
                fault = Task.Run(async () =>
                {
                    await Task.Delay(s.FaultAt, stop.Token);
                    var t0 = Stopwatch.GetTimestamp();
                    if (t0 < Volatile.Read(ref sendUntil.Value)) Volatile.Write(ref sendUntil.Value, long.MaxValue); // until the fault is over
                    faultStarted = Stopwatch.GetElapsedTime(start, t0).TotalSeconds;
                    s.Log($"fault at {faultStarted:0.000} s");
                    try { await s.Fault(stop.Token); }
                    catch (Exception e) when (e is not OperationCanceledException) { faultError = e.Message; s.Log($"the fault failed: {e}"); }
                    faultTook = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                    if (Volatile.Read(ref sendUntil.Value) == long.MaxValue)
                        Volatile.Write(ref sendUntil.Value, Math.Max(planned, Stopwatch.GetTimestamp() + (long)(s.AfterFault.TotalSeconds * Stopwatch.Frequency)));
                    s.Log($"fault done after {faultTook:0.000} s");
                });
            }

            await Task.WhenAll(pacers);
            if (fault is not null) await fault; // a fault that began after the senders stopped is waited for before the drain
            var sentFor = Stopwatch.GetElapsedTime(start).TotalSeconds;

            var drain = Stopwatch.StartNew();
            while (drain.Elapsed < s.Drain && !(ledger.Settled() && clients.All(c => c.Idle)))
                await Task.Delay(50, ct);
            var drained = drain.Elapsed.TotalSeconds;

            await Task.WhenAll(clients.Select(c => c.CloseAsync()));
            stop.Cancel();
            try { await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None); }
            catch (Exception) { /* a loop ending in an error is already counted as a disconnect */ }

            return new FaultFlowResult
            {
                Counts = ledger.Count(),
                Pairs = pairs,
                StreamManagement = clients.Any(c => c.StreamManagement),
                Disconnects = clients.SelectMany(c => c.Disconnects).ToList(),
                FaultedServer = s.FaultedServer,
                ResumeFailures = clients.Sum(c => c.ResumeFailures),
                FaultStartedS = faultStarted,
                FaultTookS = faultTook,
                FaultError = faultError,
                DrainS = drained,
                SentForS = sentFor,
            };
        }
        finally
        {
            stop.Cancel();
            foreach (var c in clients) await c.DisposeAsync();
        }
    }

    private static async Task PaceAsync(FaultClient sender, FaultLedger ledger, int pair, double rate, long start, StrongBox<long> sendUntil, CancellationToken ct)
    {
        var interval = Stopwatch.Frequency / rate;
        var origin = start + (long)(Random.Shared.NextDouble() * interval);
        long n = 0;
        while (!ct.IsCancellationRequested)
        {
            var now = Stopwatch.GetTimestamp();
            var until = Volatile.Read(ref sendUntil.Value);
            if (now >= until) return;
            var due = now < origin ? 0 : (long)((now - origin) / interval) + 1;
            for (; n < due; n++)
            {
                var created = origin + (long)(n * interval);
                if (created >= until) return;
                await sender.SendMessageAsync(ledger.Create(pair, Math.Min(created, now)), ct);
            }
            var next = origin + (long)(n * interval);
            var waitMs = (next - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp(waitMs, 1, 100)), ct);
        }
    }

    private static async Task AckLoopAsync(FaultClient client, TimeSpan every, CancellationToken ct)
    {
        try
        {
            using var timer = new PeriodicTimer(every);
            while (await timer.WaitForNextTickAsync(ct)) await client.RequestAckAsync(ct);
        }
        catch (OperationCanceledException) { }
    }
}
