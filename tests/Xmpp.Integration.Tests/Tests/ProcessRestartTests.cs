using System.Diagnostics;
using System.Text.RegularExpressions;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xmpp.Integration.Tests.Observability;
using Xmpp.Integration.Tests.Rfc6121;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>
/// Issue 20: router and sm restarts are invisible to clients. Two clients on two c2s chat with
/// numbered messages before, during and after the restart of a process; they stay on the same
/// streams, every message arrives exactly once, and nobody gets an error. Each test runs its own
/// cluster, since it kills one of its processes.
/// </summary>
public sealed partial class ProcessRestartTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Relink = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(30);
    private const int PerPhase = 10;

    [GeneratedRegex(@"Session resync with sm/localhost: \d+ sessions stated")]
    private static partial Regex Resynced();

    [Fact]
    public Task A_router_kill_9_and_restart_loses_no_message_and_keeps_the_clients_connected() =>
        RouterRestartAsync(graceful: false);

    [Fact]
    public Task A_router_sigterm_stops_within_seconds_and_its_restart_loses_no_message_and_keeps_the_clients_connected() =>
        RouterRestartAsync(graceful: true);

    private async Task RouterRestartAsync(bool graceful)
    {
        await using var cluster = await Cluster.StartAsync();
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 120);
        var alice = await clients.LoginAsync(await cluster.NewUserAsync("alice"), cluster.C2s1Port, "phone");
        var bob = await clients.LoginAsync(await cluster.NewUserAsync("bob"), cluster.C2s2Port, "desk");
        var chat = new NumberedChat(alice, bob);

        await chat.SendAsync(1, PerPhase);
        await chat.ExpectAsync(1, PerPhase, Arrival);

        var c2sLines = cluster.C2sInstances.Select(c => c.LineCount).ToArray();
        if (graceful)
        {
            var stopping = Stopwatch.StartNew();
            var code = await cluster.Router.TerminateAsync(TimeSpan.FromSeconds(20));
            output.WriteLine($"router SIGTERM: exited with {code} after {stopping.ElapsedMilliseconds} ms");
            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(6), $"the router took {stopping.Elapsed} to stop\n{cluster.OutputTail()}");
        }
        else
        {
            cluster.Router.Kill9();
            await cluster.Router.Exited.WaitAsync(Relink);
        }

        // Sent while there is no router: c2s accepts them; they wait for the next one.
        await chat.SendAsync(PerPhase + 1, 2 * PerPhase);
        await cluster.RestartRouterAsync();
        await Task.WhenAll(cluster.C2sInstances.Select((c, i) => c.WaitForLineAsync(Resynced(), Relink, c2sLines[i])));

        await chat.SendAsync(2 * PerPhase + 1, 3 * PerPhase);
        await chat.ExpectAsync(PerPhase + 1, 3 * PerPhase, Arrival); // 1..PerPhase were taken above
        await chat.AssertExactlyOnceAndNoErrorsAsync(3 * PerPhase);
        Assert.False(cluster.Sm.HasExited || cluster.C2s1.HasExited || cluster.C2s2.HasExited, $"a process died\n{cluster.OutputTail()}");

        // The resyncs are counted, and the request circuit breakers are exported (closed).
        await Scrape.UntilAsync(cluster.MetricsPortOf(cluster.C2s1), m =>
            Scrape.Value(m, "xmpp_c2s_resyncs_total", "outcome=\"done\"") >= 2 && Scrape.Value(m, "xmpp_c2s_router_request_circuit") == 0, Relink, "c2s-1's resync metrics");
        await Scrape.UntilAsync(cluster.MetricsPortOf(cluster.Sm), m => Scrape.Value(m, "xmpp_sm_router_request_circuit") == 0, Relink, "sm's circuit gauge");
    }

    [Fact]
    public Task An_sm_kill_9_and_restart_keeps_the_clients_connected_with_presence_roster_and_chat() =>
        SmRestartAsync(graceful: false);

    [Fact]
    public Task An_sm_sigterm_stops_within_seconds_and_the_clients_carry_on_with_the_next_sm() =>
        SmRestartAsync(graceful: true);

    private async Task SmRestartAsync(bool graceful)
    {
        await using var cluster = await Cluster.StartAsync();
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 160);
        var alice = await clients.LoginAsync(await cluster.NewUserAsync("alice"), cluster.C2s1Port, "phone");
        var bob = await clients.LoginAsync(await cluster.NewUserAsync("bob"), cluster.C2s2Port, "desk");
        await ImClient.MakeMutualAsync(alice, bob);
        await bob.SendAsync("<presence><status>before</status></presence>");
        await alice.ExpectAsync(s => s.IsPresence() && s.Attr("from") == bob.Jid && s.Attr("type") is null);
        var chat = new NumberedChat(alice, bob);
        await chat.SendAsync(1, PerPhase);
        await chat.ExpectAsync(1, PerPhase, Arrival);

        var c2sLines = cluster.C2sInstances.Select(c => c.LineCount).ToArray();
        var aliceSeen = alice.History.ToHashSet(); // by reference: what she had before the kill
        if (graceful)
        {
            var stopping = Stopwatch.StartNew();
            await cluster.Sm.TerminateAsync(TimeSpan.FromSeconds(20));
            output.WriteLine($"sm SIGTERM: exited after {stopping.ElapsedMilliseconds} ms");
            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(8), $"sm took {stopping.Elapsed} to stop\n{cluster.OutputTail()}");
        }
        else
        {
            cluster.Sm.Kill9();
            await cluster.Sm.Exited.WaitAsync(Relink);
        }
        // Sent while there is no sm: c2s holds them for the next one.
        await chat.SendAsync(PerPhase + 1, 2 * PerPhase);
        await cluster.RestartSmAsync();
        await Task.WhenAll(cluster.C2sInstances.Select((c, i) => c.WaitForLineAsync(Resynced(), Relink, c2sLines[i])));

        // bob's session was re-attached on the new sm and his presence replayed: alice sees him available again.
        await alice.ExpectAsync(s => s.IsPresence() && s.Attr("from") == bob.Jid && s.Attr("type") is null && !aliceSeen.Contains(s), Arrival,
            "bob's replayed presence");
        // The roster is there (storage), and the clients chat on the same streams.
        var roster = await alice.GetRosterAsync();
        Assert.Contains(roster.Descendants(ImClient.R + "item"), i => i.Attr("jid") == bob.BareJid && i.Attr("subscription") == "both");
        await chat.SendAsync(2 * PerPhase + 1, 3 * PerPhase);
        await chat.ExpectAsync(PerPhase + 1, 3 * PerPhase, Arrival);
        await chat.AssertExactlyOnceAndNoErrorsAsync(3 * PerPhase);
        Assert.DoesNotContain(alice.History.Concat(bob.History), s => s.StreamErrorCondition() is not null);
        Assert.False(cluster.Router.HasExited || cluster.C2s1.HasExited || cluster.C2s2.HasExited, $"a process died\n{cluster.OutputTail()}");
    }

    /// <summary>alice (one c2s) and bob (the other) send each other messages numbered "a2b n" and "b2a n".</summary>
    private sealed class NumberedChat(TestClient alice, TestClient bob)
    {
        public async Task SendAsync(int from, int to)
        {
            for (var n = from; n <= to; n++)
            {
                await alice.SendAsync($"<message to='{bob.BareJid}' type='chat' id='a{n}'><body>a2b {n}</body></message>");
                await bob.SendAsync($"<message to='{alice.BareJid}' type='chat' id='b{n}'><body>b2a {n}</body></message>");
            }
        }

        public async Task ExpectAsync(int from, int to, TimeSpan timeout)
        {
            for (var n = from; n <= to; n++)
            {
                var number = n;
                await bob.ExpectAsync(s => s.IsMessage() && s.Body() == $"a2b {number}", timeout, $"alice's message {number}");
                await alice.ExpectAsync(s => s.IsMessage() && s.Body() == $"b2a {number}", timeout, $"bob's message {number}");
            }
        }

        /// <summary>After both clients' pings came back (sm sends in order), each message arrived once, and nobody got an error.</summary>
        public async Task AssertExactlyOnceAndNoErrorsAsync(int count)
        {
            Assert.Equal("result", (await alice.PingServerAsync()).Attr("type"));
            Assert.Equal("result", (await bob.PingServerAsync()).Attr("type"));
            for (var n = 1; n <= count; n++)
            {
                Assert.Equal(1, bob.History.Count(s => s.IsMessage() && s.Body() == $"a2b {n}"));
                Assert.Equal(1, alice.History.Count(s => s.IsMessage() && s.Body() == $"b2a {n}"));
            }
            Assert.DoesNotContain(alice.History.Concat(bob.History), s => s.Attr("type") == "error");
        }
    }
}
