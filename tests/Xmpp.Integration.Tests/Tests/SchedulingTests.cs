using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>Process:BatchScheduling (on by default): every thread of router, sm and c2s runs under SCHED_BATCH.</summary>
public sealed class SchedulingTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    private const int SchedBatch = 3;

    [Fact]
    public async Task Every_thread_of_every_server_process_runs_under_sched_batch_after_traffic()
    {
        // Traffic through every process first, so that threads made on demand (thread-pool workers) exist.
        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), C2s1, "phone");
        var bob = await LoginAsync(await Cluster.NewUserAsync("bob"), C2s2, "laptop");
        await alice.SendAsync($"<message to='{bob.Jid}' type='chat'><body>policy check</body></message>");
        await bob.ExpectAsync(s => s.IsMessage() && s.Body() == "policy check");

        foreach (var process in Cluster.Processes)
        {
            var policies = ThreadPolicies(process.Pid);
            Assert.NotEmpty(policies);
            var other = policies.Where(p => p.Policy != SchedBatch).Select(p => $"{p.Name} ({p.Policy})").ToList();
            Assert.True(other.Count == 0, $"{process.Name} (pid {process.Pid}) has threads not under SCHED_BATCH: {string.Join(", ", other)}");
        }
    }

    /// <summary>Each thread's name and scheduling policy (field 41 of /proc/pid/task/tid/stat, counted after the parenthesised name).</summary>
    private static List<(string Name, int Policy)> ThreadPolicies(int pid)
    {
        var result = new List<(string, int)>();
        foreach (var dir in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            string stat;
            try { stat = File.ReadAllText(Path.Combine(dir, "stat")); }
            catch (IOException) { continue; } // the thread ended meanwhile
            var open = stat.IndexOf('(');
            var close = stat.LastIndexOf(')');
            var fields = stat[(close + 2)..].Split(' ');
            result.Add((stat[(open + 1)..close], int.Parse(fields[41 - 3])));
        }
        return result;
    }
}
