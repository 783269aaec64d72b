using System.Net;
using Xmpp.Bench;
using Xmpp.Bench.Faults;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>
/// Issue 20, "a fault harness in the repo": router, sm and two c2s as processes, a numbered flow
/// (3 sender/receiver pairs over both c2s, 10 messages a second per sender, 6 s) counted by the
/// same code as the bench's fault matrix (tools/bench/Faults/, docs/RESILIENCE.md), and one
/// process killed 2 s in and started again. Each test has its own cluster, since it kills one of
/// its processes.
/// </summary>
public sealed class FaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan RestartDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>The instrument itself, on a healthy cluster: every message arrives once and is acknowledged.</summary>
    [Fact]
    public async Task Without_a_fault_every_numbered_message_arrives_once_and_is_acknowledged()
    {
        await using var cluster = await Cluster.StartAsync();
        var result = await RunFlowAsync(cluster, fault: null, faultedServer: -1, useStreamManagement: true);

        var c = result.Counts;
        Assert.True(c.Sent >= 150, $"the senders wrote only {c.Sent} messages in 6 s at 3 × 10/s: {c}");
        Assert.Equal(c.Sent, c.Received);
        Assert.Equal(c.Sent, c.Acknowledged);
        Assert.Equal(0, c.Duplicated);
        Assert.Equal(0, c.Bounced);
        Assert.Equal(0, c.Misrouted);
        Assert.Empty(result.Disconnects);
    }

    /// <summary>
    /// What holds without stream management: a plain client of a killed c2s logs in again through the
    /// other one, nobody else notices, and nothing arrives twice (what it had in flight may be lost:
    /// that is what XEP-0198 is for).
    /// </summary>
    [Fact]
    public async Task After_kill_9_of_a_c2s_its_plain_clients_log_in_again_on_the_other_and_the_others_stay_connected()
    {
        await using var cluster = await Cluster.StartAsync();
        var result = await RunFlowAsync(cluster, KillAndRestart(cluster, () => cluster.C2s2), faultedServer: 1, useStreamManagement: false);

        Assert.Null(result.FaultError);
        Assert.Equal(0, result.Counts.Duplicated);
        Assert.Equal(0, result.Counts.Misrouted);
        Assert.Equal(0, result.SurvivorDisconnects);
        // the 3 clients homed on c2s-2 (pair 1's sender, pairs 0 and 2's receivers) dropped and came back on c2s-1
        Assert.Equal(3, result.Disconnects.Count);
        Assert.All(result.Disconnects, d =>
        {
            Assert.Equal(0, d.RecoveredOn);
            Assert.True(d.RecoverySeconds is not null, $"a client of the killed c2s did not recover ({d.Reason})");
        });
    }

    [Fact]
    [Trait("Category", "Resilience")]
    public async Task After_kill_9_of_a_c2s_its_clients_resume_on_the_other_and_nothing_acknowledged_is_lost_or_duplicated()
    {
        await using var cluster = await Cluster.StartAsync();
        var result = await RunFlowAsync(cluster, KillAndRestart(cluster, () => cluster.C2s2), faultedServer: 1, useStreamManagement: true);

        AssertNothingLostOrDuplicated(result, cluster);
        Assert.Equal(0, result.SurvivorDisconnects);
        Assert.Equal(3, result.Disconnects.Count);
        Assert.All(result.Disconnects, d =>
        {
            Assert.Equal("resumed", d.How);
            Assert.Equal(0, d.RecoveredOn);
            // issue 20: resumed on the other c2s within 1 s; 3 s here, for a busy 2-core machine
            Assert.True(d.RecoverySeconds is < 3.0, $"resumed after {d.RecoverySeconds?.ToString("0.000") ?? "never"} s ({d.Reason})");
        });
    }

    [Fact]
    [Trait("Category", "Resilience")]
    public async Task After_kill_9_of_the_router_nothing_acknowledged_is_lost_or_duplicated_and_no_client_is_disconnected()
    {
        await using var cluster = await Cluster.StartAsync();
        var result = await RunFlowAsync(cluster, KillAndRestart(cluster, () => cluster.Router), faultedServer: -1, useStreamManagement: true);

        AssertNothingLostOrDuplicated(result, cluster);
        Assert.True(result.Disconnects.Count == 0, $"{result.Disconnects.Count} clients disconnected\n{cluster.OutputTail(60)}");
    }

    [Fact]
    [Trait("Category", "Resilience")]
    public async Task After_kill_9_of_sm_nothing_acknowledged_is_lost_or_duplicated_and_no_client_is_disconnected()
    {
        await using var cluster = await Cluster.StartAsync();
        var result = await RunFlowAsync(cluster, KillAndRestart(cluster, () => cluster.Sm), faultedServer: -1, useStreamManagement: true);

        // sm stores each stream's count and unacknowledged stanzas with the effects they account for:
        // the new sm tells c2s where the client's stanzas resume and sends what c2s never wrote.
        AssertNothingLostOrDuplicated(result, cluster);
        // The new sm learned the streams' counters at re-attach: the clients' <r/> are still answered, with the right h.
        Assert.True(result.Counts.Acknowledged == result.Counts.Sent, $"{result.Counts}\n{cluster.OutputTail(60)}");
        Assert.Empty(result.Disconnects);
    }

    [Fact]
    [Trait("Category", "Resilience")]
    public async Task After_sigterm_of_sm_nothing_acknowledged_is_lost_or_duplicated_and_no_client_is_disconnected()
    {
        await using var cluster = await Cluster.StartAsync();
        var result = await RunFlowAsync(cluster, StopAndRestart(cluster, () => cluster.Sm), faultedServer: -1, useStreamManagement: true);

        // A stopping sm tells c2s its final counts, so the new sm goes on from exactly there.
        AssertNothingLostOrDuplicated(result, cluster);
        Assert.True(result.Counts.Acknowledged == result.Counts.Sent, $"{result.Counts}\n{cluster.OutputTail(60)}");
        Assert.Empty(result.Disconnects);
    }

    /// <summary>Fails once, naming every broken promise with the run's counts and drops, so one run shows all that is wrong.</summary>
    private static void AssertNothingLostOrDuplicated(FaultFlowResult result, Cluster cluster)
    {
        var c = result.Counts;
        var problems = new List<string>();
        if (result.FaultError is not null) problems.Add($"the fault failed: {result.FaultError}");
        if (!result.StreamManagement) problems.Add("the server did not offer XEP-0198");
        if (c.Sent < 150) problems.Add($"the senders wrote only {c.Sent} messages");
        if (c.LostAcknowledged != 0) problems.Add($"{c.LostAcknowledged} messages lost after the server acknowledged them ({c.Bounced} bounced)");
        if (c.Duplicated != 0) problems.Add($"{c.Duplicated} messages arrived twice");
        if (c.Misrouted != 0) problems.Add($"{c.Misrouted} messages reached the wrong receiver");
        if (c.Received + c.LostAcknowledged + c.LostUnacknowledged != c.Sent) problems.Add("messages unaccounted for");
        var drops = string.Join("; ", result.Disconnects.Select(d =>
            $"c2s-{d.Server + 1} {d.Reason} -> {(d.How.Length == 0 ? "not back" : $"{d.How} on c2s-{d.RecoveredOn + 1}")} after {d.RecoverySeconds?.ToString("0.000") ?? "-"} s"));
        Assert.True(problems.Count == 0, $"{string.Join("; ", problems)}\n{c}\ndrops: {(drops.Length == 0 ? "none" : drops)}\n{cluster.OutputTail(60)}");
    }

    private void Log(string line)
    {
        try { output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}"); }
        catch (InvalidOperationException) { /* a client's last words after the test ended */ }
    }

    /// <summary>kill -9 of the process, then (as an init system would) a start of the same process after a short delay.</summary>
    private Func<CancellationToken, Task> KillAndRestart(Cluster cluster, Func<ServerProcess> which) => async ct =>
    {
        var victim = which();
        output.WriteLine($"kill -9 {victim.Name} (pid {victim.Pid})");
        victim.Kill9();
        await victim.Exited.WaitAsync(TimeSpan.FromSeconds(10), ct);
        await Task.Delay(RestartDelay, ct);
        var again = await cluster.StartAgainAsync(victim);
        output.WriteLine($"{again.Name} is back (pid {again.Pid})");
    };

    /// <summary>SIGTERM to the process (it stops gracefully), then a start of the same process after a short delay.</summary>
    private Func<CancellationToken, Task> StopAndRestart(Cluster cluster, Func<ServerProcess> which) => async ct =>
    {
        var victim = which();
        output.WriteLine($"SIGTERM {victim.Name} (pid {victim.Pid})");
        await victim.TerminateAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(RestartDelay, ct);
        var again = await cluster.StartAgainAsync(victim);
        output.WriteLine($"{again.Name} is back (pid {again.Pid})");
    };

    private async Task<FaultFlowResult> RunFlowAsync(Cluster cluster, Func<CancellationToken, Task>? fault, int faultedServer, bool useStreamManagement)
    {
        var accounts = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => cluster.NewUserAsync(i % 2 == 0 ? "sender" : "receiver")));
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var result = await FaultFlow.RunAsync(new FaultFlowSettings
        {
            Servers = [new IPEndPoint(IPAddress.Loopback, cluster.C2s1Port), new IPEndPoint(IPAddress.Loopback, cluster.C2s2Port)],
            Accounts = accounts.Select(a => (a.Local, a.Password)).ToList(),
            Domain = Cluster.Domain,
            Rate = 10,
            Duration = TimeSpan.FromSeconds(6),
            FaultAt = TimeSpan.FromSeconds(2),
            Fault = fault,
            FaultedServer = faultedServer,
            Drain = TimeSpan.FromSeconds(10),
            UseStreamManagement = useStreamManagement,
            ScramCache = new ScramCache(null, enabled: true),
            Log = Log,
        }, limit.Token);
        var c = result.Counts;
        output.WriteLine($"sent {c.Sent}, acknowledged {c.Acknowledged}, received {c.Received}, lost after ack {c.LostAcknowledged}, " +
                         $"lost unacknowledged {c.LostUnacknowledged}, duplicated {c.Duplicated}, late {c.Late}, bounced {c.Bounced}; " +
                         $"disconnects {result.Disconnects.Count} (surviving c2s {result.SurvivorDisconnects}), resumed {result.Resumed}, relogins {result.Relogins}");
        return result;
    }
}
