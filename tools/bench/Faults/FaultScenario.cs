using System.Diagnostics;
using System.Globalization;

namespace Xmpp.Bench.Faults;

/// <summary>
/// <c>xmpp-bench faults</c>: the numbered flow of <see cref="FaultFlow"/> against a running server,
/// with the fault injected by whoever runs the bench (tools/bench/faults.sh): at --fault-at the
/// bench creates the --fault-file and waits until a line "done" appears in it (the process was
/// killed or stopped and has been started again), then drains and reports.
/// </summary>
internal static class FaultScenario
{
    public static async Task<int> RunAsync(Options o, CancellationToken ct)
    {
        var ctx = BenchContext.FromOptions(o);
        var pairs = o.Int("pairs", 5);
        var rate = o.Double("rate", 10);
        var duration = o.Double("duration", 30);
        var faultAt = o.Double("fault-at", 10);
        var drain = o.Double("drain", 10);
        var afterFault = o.Double("after-fault", 5);
        var late = o.Double("late", 5);
        var ackEveryMs = o.Int("ack-every-ms", 100);
        var faultFile = o.StrOrNull("fault-file");
        var faultWait = o.Double("fault-wait", 90);
        var faultName = o.Str("fault", faultFile is null ? "none" : "?");
        var faultedC2s = o.Int("faulted-c2s", 0); // 1-based index into --server of the c2s the fault hits; 0: none
        var noSm = o.Flag("no-sm");
        // a reconnecting client gives up on one c2s sooner than the bench's 30 s login default
        var loginTimeout = o.Has("login-timeout") ? ctx.LoginTimeout : TimeSpan.FromSeconds(5);
        o.RejectUnknown();
        if (pairs < 1) throw new UsageException("--pairs must be at least 1");
        if (rate <= 0) throw new UsageException("--rate must be positive");
        if (faultedC2s > ctx.Servers.Length) throw new UsageException("--faulted-c2s names no --server");

        string? faultDetail = null;
        Func<CancellationToken, Task>? fault = faultFile is null ? null : async token =>
        {
            var done = File.Exists(faultFile) ? throw new BenchException($"{faultFile} exists already") : false;
            await File.WriteAllTextAsync(faultFile, "now\n", token);
            var wait = Stopwatch.StartNew();
            while (!done)
            {
                if (wait.Elapsed.TotalSeconds > faultWait) throw new BenchException($"no 'done' in {faultFile} within {faultWait} s");
                await Task.Delay(100, token);
                var lines = await File.ReadAllLinesAsync(faultFile, token);
                var last = lines.FirstOrDefault(l => l.StartsWith("done", StringComparison.Ordinal));
                if (last is not null) { done = true; faultDetail = last[4..].Trim(); }
            }
        };

        var accounts = Enumerable.Range(ctx.First, 2 * pairs).Select(n => (ctx.UserName(n), ctx.Login.Password)).ToList();
        var r = new Report("faults", ctx.Label);
        FaultFlowResult result;
        try
        {
            result = await RunFlowAsync();
        }
        catch (Exception e) when (e is BenchException or TimeoutException or IOException or System.Net.Sockets.SocketException)
        {
            r.Human.Append($"{faultName}: the run failed: {e.Message}");
            r.Set("fault", faultName).Set("error", e.Message);
            r.Print(Console.Out);
            return 1;
        }

        Task<FaultFlowResult> RunFlowAsync() => FaultFlow.RunAsync(new FaultFlowSettings
        {
            Servers = ctx.Servers,
            Accounts = accounts,
            Domain = ctx.Login.Domain,
            Rate = rate,
            Duration = TimeSpan.FromSeconds(duration),
            FaultAt = TimeSpan.FromSeconds(faultAt),
            Fault = fault,
            FaultedServer = faultedC2s - 1,
            Drain = TimeSpan.FromSeconds(drain),
            AfterFault = TimeSpan.FromSeconds(afterFault),
            LateAfter = TimeSpan.FromSeconds(late),
            AckEvery = TimeSpan.FromMilliseconds(Math.Max(10, ackEveryMs)),
            LoginTimeout = loginTimeout,
            UseStreamManagement = !noSm,
            Mech = ctx.Login.Mech,
            ScramCache = ctx.Login.Cache,
            Log = line => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss.fff}] {line}"),
        }, ct);
        ctx.Login.Cache.Save();

        var c = result.Counts;
        string S(double? v) => v is null ? "-" : v.Value.ToString("0.00", CultureInfo.InvariantCulture);
        r.Human.Append($"{faultName}, {pairs} pairs at {Report.F(rate, "0")}/s for {Report.F(result.SentForS, "0")} s, stream management {(result.StreamManagement ? "on" : "off")}: ");
        r.Human.Append($"sent {c.Sent} (unsent {c.Unsent}), acknowledged {c.Acknowledged}, received {c.Received}, ");
        r.Human.Append($"lost after ack {c.LostAcknowledged}, lost unacknowledged {c.LostUnacknowledged}, duplicated {c.Duplicated}, late {c.Late}, bounced {c.Bounced}; ");
        r.Human.Append($"disconnects {result.Disconnects.Count} (of clients on a surviving c2s {result.SurvivorDisconnects}), ");
        r.Human.Append($"resumed {result.Resumed}, relogins {result.Relogins}, unrecovered {result.Unrecovered}, recovery p50 {S(result.RecoveryQuantile(0.5))} s max {S(result.RecoveryQuantile(1))} s");
        if (c.Misrouted > 0) r.Human.Append($"; MISROUTED {c.Misrouted}");
        if (result.FaultError is not null) r.Human.Append($"; FAULT FAILED: {result.FaultError}");
        r.Set("fault", faultName).Set("pairs", pairs).Set("rate", rate).Set("duration_s", duration).Set("fault_at_s", result.FaultStartedS)
            .Set("fault_took_s", result.FaultTookS).Set("fault_detail", faultDetail).Set("fault_error", result.FaultError)
            .Set("stream_management", result.StreamManagement)
            .Set("created", c.Created).Set("unsent", c.Unsent).Set("sent", c.Sent).Set("acknowledged", c.Acknowledged)
            .Set("received", c.Received).Set("lost_acked", c.LostAcknowledged).Set("lost_unacked", c.LostUnacknowledged)
            .Set("duplicated", c.Duplicated).Set("late", c.Late).Set("bounced", c.Bounced).Set("misrouted", c.Misrouted).Set("unknown", c.Unknown)
            .Set("disconnects", result.Disconnects.Count).Set("survivor_disconnects", result.SurvivorDisconnects)
            .Set("resumed", result.Resumed).Set("relogins", result.Relogins).Set("resume_failures", result.ResumeFailures)
            .Set("unrecovered", result.Unrecovered)
            .Set("recovery_p50_s", result.RecoveryQuantile(0.5)).Set("recovery_max_s", result.RecoveryQuantile(1))
            .Set("recovery_s", result.RecoverySeconds.Select(v => Math.Round(v, 3)).ToArray())
            .Set("drain_s", result.DrainS).Set("sent_for_s", result.SentForS);
        r.Print(Console.Out);
        return c.LostAcknowledged == 0 && c.Duplicated == 0 && c.Misrouted == 0 && result.FaultError is null ? 0 : 1;
    }
}
