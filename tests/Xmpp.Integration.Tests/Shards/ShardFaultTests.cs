using System.Net;
using System.Text.RegularExpressions;
using Xmpp.Bench;
using Xmpp.Bench.Faults;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Shards;

/// <summary>
/// Issue 22, judged by: "with three sm shards, kill -9 of one sm loses no acknowledged message, and
/// only its own users are disturbed (measured with numbered flows); the others' users never notice."
/// Three sender/receiver pairs across the shards (each pair spans two shards, each shard holds two
/// of the six users), XEP-0198 on, 10 messages a second per sender for 6 s, counted by the bench's
/// fault code (tools/bench/Faults, as FaultTests); sm-2 is killed 2 s in and started again.
/// </summary>
public sealed class ShardFaultTests(ITestOutputHelper output)
{
    [Fact]
    [Trait("Category", "Resilience")]
    public async Task After_kill_9_of_one_shard_nothing_acknowledged_is_lost_and_only_its_users_re_attach()
    {
        await using var cluster = await ShardCluster.StartAsync();
        // pairs (sender, receiver): sm-1 -> sm-2, sm-2 -> sm-3, sm-3 -> sm-1
        string[] homes = ["sm-1", "sm-2", "sm-2", "sm-3", "sm-3", "sm-1"];
        var accounts = new List<Account>();
        foreach (var (home, i) in homes.Select((h, i) => (h, i)))
            accounts.Add(await cluster.NewUserOnAsync(i % 2 == 0 ? "sender" : "receiver", home));
        var victims = accounts.Where((_, i) => homes[i] == "sm-2").Select(a => a.Jid).ToHashSet();

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var result = await FaultFlow.RunAsync(new FaultFlowSettings
        {
            Servers = [new IPEndPoint(IPAddress.Loopback, cluster.C2s1Port), new IPEndPoint(IPAddress.Loopback, cluster.C2s2Port)],
            Accounts = accounts.Select(a => (a.Local, a.Password)).ToList(),
            Domain = Cluster.Domain,
            Rate = 10,
            Duration = TimeSpan.FromSeconds(6),
            FaultAt = TimeSpan.FromSeconds(2),
            Fault = async ct =>
            {
                var victim = cluster.SmInstances.Single(p => p.Name == "sm-2");
                output.WriteLine($"kill -9 {victim.Name} (pid {victim.Pid})");
                victim.Kill9();
                await victim.Exited.WaitAsync(TimeSpan.FromSeconds(10), ct);
                await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
                var again = await cluster.StartAgainAsync(victim);
                output.WriteLine($"{again.Name} is back (pid {again.Pid})");
            },
            FaultedServer = -1,
            Drain = TimeSpan.FromSeconds(10),
            UseStreamManagement = true,
            ScramCache = new ScramCache(null, enabled: true),
            Log = line =>
            {
                try { output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}"); }
                catch (InvalidOperationException) { }
            },
        }, limit.Token);

        var c = result.Counts;
        output.WriteLine($"sent {c.Sent}, acknowledged {c.Acknowledged}, received {c.Received}, lost after ack {c.LostAcknowledged}, " +
                         $"lost unacknowledged {c.LostUnacknowledged}, duplicated {c.Duplicated}, bounced {c.Bounced}; disconnects {result.Disconnects.Count}");
        // Who c2s re-attached (its log names each): only the killed shard's users (when it died, and when it came back).
        var reattached = cluster.C2sInstances
            .SelectMany(p => Regex.Matches(string.Join("\n", p.LinesFrom(0)), @"sm does not hold session \S* of ([^/\s]+)/").Select(m => m.Groups[1].Value))
            .ToHashSet();
        var problems = new List<string>();
        if (result.FaultError is not null) problems.Add($"the fault failed: {result.FaultError}");
        if (c.Sent < 150) problems.Add($"the senders wrote only {c.Sent} messages");
        if (c.LostAcknowledged != 0) problems.Add($"{c.LostAcknowledged} messages lost after the server acknowledged them");
        // As for one sm (FaultTests): a killed shard leaves no record of the client stanzas it took since it last confirmed a count (every 32), nor of the hops it took since its last ACK; those come again.
        if (c.Duplicated > 2 * 32 + 40) problems.Add($"{c.Duplicated} duplicates");
        if (c.Misrouted != 0) problems.Add($"{c.Misrouted} misrouted");
        if (c.Acknowledged != c.Sent) problems.Add($"only {c.Acknowledged} of {c.Sent} acknowledged");
        if (result.Disconnects.Count != 0) problems.Add($"{result.Disconnects.Count} clients disconnected");
        if (!reattached.SetEquals(victims)) problems.Add($"re-attached: {string.Join(",", reattached)}; the killed shard's users: {string.Join(",", victims)}");
        Assert.True(problems.Count == 0, $"{string.Join("; ", problems)}\n{c}\n{cluster.OutputTail(80)}");
    }
}
