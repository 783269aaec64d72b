using System.Diagnostics;
using System.Text.RegularExpressions;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.StreamManagement;

/// <summary>
/// Issue 20, XEP-0198 with the state in sm, each test on a cluster of its own: a client whose c2s
/// is killed -9 resumes on the other c2s without losing or duplicating a numbered message, and a
/// session that is not resumed in time ends with its unacknowledged messages in offline storage.
/// </summary>
public sealed partial class StreamResumptionFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_client_whose_c2s_is_killed_resumes_on_the_other_c2s_with_nothing_lost_or_duplicated()
    {
        await using var cluster = await Cluster.StartAsync();
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 200);
        var aliceAccount = await cluster.NewUserAsync("sender");
        var bobAccount = await cluster.NewUserAsync("receiver");
        var alice = await clients.LoginAsync(aliceAccount, cluster.C2s2Port, "a");
        var first = await SmClient.AuthenticatedAsync(cluster, bobAccount, cluster.C2s1Port, "bob@c2s-1");
        var bobJid = await first.Client.BindAsync("phone");
        await first.Client.SendPresenceAsync();
        var previd = (await first.EnableAsync()).Attr("id")!;

        // alice sends 150 numbered messages at about 50/s; c2s-1 dies while they flow.
        const int count = 150;
        var sending = Task.Run(async () =>
        {
            for (var i = 1; i <= count; i++)
            {
                await alice.SendAsync($"<message to='{bobJid}' type='chat'><body>n-{i}</body></message>");
                await Task.Delay(20);
            }
        });
        await first.Client.ExpectAsync(e => e.IsMessage() && e.Body() == "n-40", TimeSpan.FromSeconds(30));
        var killedAt = Stopwatch.StartNew();
        cluster.C2s1.Kill9();
        await first.Client.ExpectClosedAsync();
        var handled = first.Handled; // what bob's client really got before its connection died

        var second = await SmClient.AuthenticatedAsync(cluster, bobAccount, cluster.C2s2Port, "bob@c2s-2");
        await using var _ = second.Client;
        var resumed = await second.ResumeAsync(previd, handled);
        var resumedAfter = killedAt.Elapsed;
        Assert.Equal("resumed", resumed.Name.LocalName);
        output.WriteLine($"resumed on c2s-2 {resumedAfter.TotalMilliseconds:0} ms after the kill (h={handled})");

        await sending;
        await alice.PingServerAsync();  // sm has taken every message
        await second.Client.ExpectAsync(e => e.IsMessage() && e.Body() == $"n-{count}", TimeSpan.FromSeconds(30));
        await second.Client.PingServerAsync(); // nothing else is on its way

        var got = SmClient.Bodies(first.Client, "n-").Concat(SmClient.Bodies(second.Client, "n-")).ToList();
        var duplicated = got.GroupBy(b => b).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        var lost = Enumerable.Range(1, count).Select(i => $"n-{i}").Except(got).ToArray();
        Assert.True(duplicated.Length == 0 && lost.Length == 0,
            $"lost: [{string.Join(", ", lost)}], duplicated: [{string.Join(", ", duplicated)}]; before the kill {SmClient.Bodies(first.Client, "n-").Count}, after {SmClient.Bodies(second.Client, "n-").Count}");
        Assert.Equal(Enumerable.Range(1, count).Select(i => $"n-{i}"), got); // and in order
        Assert.False(cluster.Router.HasExited || cluster.Sm.HasExited || cluster.C2s2.HasExited, $"a surviving process died\n{cluster.OutputTail()}");
    }

    [Fact]
    public async Task A_session_not_resumed_in_time_ends_and_its_unacknowledged_messages_are_kept_offline()
    {
        await using var cluster = await Cluster.StartAsync(new ClusterOptions
        {
            C2sCount = 1,
            ExtraArgs = new Dictionary<string, string[]> { ["sm"] = ["--Sm:StreamManagement:ResumeTimeout=00:00:02"] },
        });
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 200);
        var aliceAccount = await cluster.NewUserAsync("sender");
        var bobAccount = await cluster.NewUserAsync("late");
        var alice = await clients.LoginAsync(aliceAccount, cluster.C2s1Port, "a");
        var first = await SmClient.AuthenticatedAsync(cluster, bobAccount, cluster.C2s1Port, "bob-1");
        var bobJid = await first.Client.BindAsync("phone");
        await first.Client.SendPresenceAsync();
        var enabled = await first.EnableAsync();
        Assert.Equal("2", enabled.Attr("max"));

        await alice.SendAsync($"<message to='{bobJid}' type='chat'><body>u-1</body></message>");
        await first.Client.ExpectAsync(e => e.IsMessage() && e.Body() == "u-1"); // received, never acknowledged
        var linesBefore = cluster.Sm.LineCount;
        first.Client.Abort();
        await first.Client.DisposeAsync();
        await alice.SendAsync($"<message to='{bobJid}' type='chat'><body>u-2</body></message>"); // waits in the detached session
        await alice.PingServerAsync();

        await cluster.Sm.WaitForLineAsync(NotResumed(), TimeSpan.FromSeconds(20), linesBefore);

        var second = await SmClient.AuthenticatedAsync(cluster, bobAccount, cluster.C2s1Port, "bob-2");
        await using var _ = second.Client;
        var failed = await second.ResumeAsync(enabled.Attr("id")!, 0);
        Assert.Equal("failed", failed.Name.LocalName);
        Assert.Equal("item-not-found", SmClient.FailedCondition(failed));

        // The stream goes on as a fresh login: bind, presence, and the offline messages arrive, once each.
        await second.Client.BindAsync("phone");
        await second.Client.SendPresenceAsync();
        var u1 = await second.Client.ExpectAsync(e => e.IsMessage() && e.Body() == "u-1");
        var u2 = await second.Client.ExpectAsync(e => e.IsMessage() && e.Body() == "u-2");
        Assert.NotNull(u1.DelayStamp());
        Assert.NotNull(u2.DelayStamp());
        await second.Client.PingServerAsync();
        Assert.Equal(["u-1", "u-2"], SmClient.Bodies(second.Client, "u-"));
    }

    [Fact]
    public async Task A_client_told_system_shutdown_by_a_stopping_c2s_resumes_on_the_other_one()
    {
        await using var cluster = await Cluster.StartAsync();
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 200);
        var aliceAccount = await cluster.NewUserAsync("sender");
        var bobAccount = await cluster.NewUserAsync("moved");
        var alice = await clients.LoginAsync(aliceAccount, cluster.C2s2Port, "a");
        var first = await SmClient.AuthenticatedAsync(cluster, bobAccount, cluster.C2s1Port, "bob@c2s-1");
        var bobJid = await first.Client.BindAsync("phone");
        await first.Client.SendPresenceAsync();
        var previd = (await first.EnableAsync()).Attr("id")!;
        await alice.SendAsync($"<message to='{bobJid}' type='chat'><body>g-1</body></message>");
        await first.Client.ExpectAsync(e => e.IsMessage() && e.Body() == "g-1");

        var stopping = cluster.C2s1.TerminateAsync(TimeSpan.FromSeconds(30)); // SIGTERM: c2s closes its streams with <system-shutdown/>
        await first.Client.ExpectStreamErrorAsync("system-shutdown");
        var handled = first.Handled;
        await alice.SendAsync($"<message to='{bobJid}' type='chat'><body>g-2</body></message>");

        var second = await SmClient.AuthenticatedAsync(cluster, bobAccount, cluster.C2s2Port, "bob@c2s-2");
        await using var _ = second.Client;
        Assert.Equal("resumed", (await second.ResumeAsync(previd, handled)).Name.LocalName);
        await second.Client.ExpectAsync(e => e.IsMessage() && e.Body() == "g-2");
        await second.Client.PingServerAsync();
        Assert.Equal(["g-2"], SmClient.Bodies(second.Client, "g-"));
        await stopping;
    }

    [GeneratedRegex("was not resumed within")]
    private static partial Regex NotResumed();
}
