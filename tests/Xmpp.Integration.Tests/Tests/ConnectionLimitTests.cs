using System.Net;
using System.Text.RegularExpressions;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xmpp.Integration.Tests.Observability;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>
/// Issue 18, abuse limits through real processes: open connections per address, new connections
/// per address per second, and the unauthenticated-stream timeout. The clients bind 127.0.0.1 or
/// 127.0.0.2 as their source address before connecting. Each test has its own cluster.
/// </summary>
public sealed class ConnectionLimitTests(ITestOutputHelper output)
{
    private static readonly IPAddress First = IPAddress.Parse("127.0.0.1");
    private static readonly IPAddress Second = IPAddress.Parse("127.0.0.2");
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private const string StreamHeader =
        "<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";

    private static Task<Cluster> StartAsync(params string[] c2sArgs) =>
        Cluster.StartAsync(new ClusterOptions { C2sCount = 1, ExtraArgs = new Dictionary<string, string[]> { ["c2s"] = c2sArgs } });

    [Fact]
    public async Task Beyond_the_open_connections_per_address_a_client_gets_policy_violation_while_another_address_still_logs_in()
    {
        await using var cluster = await StartAsync("--C2s:Limits:MaxConnectionsPerIp=2");
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 60);
        var alice = await cluster.NewUserAsync("alice");
        var bob = await cluster.NewUserAsync("bob");

        TestClient? one = await TestClient.LoginAsync(cluster.C2s1Port, alice.Jid, alice.Password, "one", localAddress: First);
        try
        {
            await using var two = await TestClient.LoginAsync(cluster.C2s1Port, alice.Jid, alice.Password, "two", localAddress: First);

            await using (var third = await TestClient.ConnectAsync(cluster.C2s1Port, "third from 127.0.0.1", () => cluster.OutputTail(), First))
            {
                await third.SendAsync(StreamHeader);
                var error = await third.ExpectStreamErrorAsync("policy-violation");
                Assert.Contains("too many connections", error.Value, StringComparison.Ordinal);
                await third.ExpectClosedAsync();
            }

            // another address is not affected, and the open ones still work
            await using var fromSecond = await TestClient.LoginAsync(cluster.C2s1Port, bob.Jid, bob.Password, "desk", localAddress: Second);
            await one.SendAsync($"<message to='{bob.Jid}' type='chat'><body>still here</body></message>");
            await fromSecond.ExpectAsync(s => s.IsMessage() && s.Body() == "still here");

            await cluster.C2s1.WaitForLineAsync(new Regex(@"Refused a connection from 127\.0\.0\.1: too-many-open"), Timeout);
            await Scrape.UntilAsync(cluster.MetricsPortOf(cluster.C2s1),
                m => Scrape.Value(m, "xmpp_c2s_connections_refused_total", "reason=\"too-many-open\"") == 1, Timeout, "one too-many-open refusal");

            // once one closes, the address may connect again
            await one.DisposeAsync();
            one = null;
            await RetryAsync(async () =>
            {
                await using var again = await TestClient.LoginAsync(cluster.C2s1Port, alice.Jid, alice.Password, "again", localAddress: First);
            });
        }
        finally
        {
            if (one is not null) await one.DisposeAsync();
        }
    }

    [Fact]
    public async Task Beyond_the_new_connections_per_second_a_client_gets_policy_violation_while_another_address_still_connects()
    {
        // a burst of 3 and a rate slow enough that no token comes back during the test
        await using var cluster = await StartAsync("--C2s:Limits:ConnectionBurstPerIp=3", "--C2s:Limits:ConnectionsPerIpPerSecond=0.001");
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 60);

        for (var i = 0; i < 3; i++)
        {
            await using var client = await TestClient.ConnectAsync(cluster.C2s1Port, $"burst {i}", () => cluster.OutputTail(), First);
            await client.OpenStreamAsync(); // admitted: the server's features
        }
        await using (var fourth = await TestClient.ConnectAsync(cluster.C2s1Port, "fourth from 127.0.0.1", () => cluster.OutputTail(), First))
        {
            await fourth.SendAsync(StreamHeader);
            var error = await fourth.ExpectStreamErrorAsync("policy-violation");
            Assert.Contains("too many new connections", error.Value, StringComparison.Ordinal);
            await fourth.ExpectClosedAsync();
        }
        await using var fromSecond = await TestClient.ConnectAsync(cluster.C2s1Port, "from 127.0.0.2", () => cluster.OutputTail(), Second);
        await fromSecond.OpenStreamAsync();

        await Scrape.UntilAsync(cluster.MetricsPortOf(cluster.C2s1),
            m => Scrape.Value(m, "xmpp_c2s_connections_refused_total", "reason=\"too-fast\"") == 1, Timeout, "one too-fast refusal");
        await cluster.C2s1.WaitForLineAsync(new Regex(@"Refused a connection from 127\.0\.0\.1: too-fast"), Timeout);
    }

    [Fact]
    public async Task An_unauthenticated_stream_is_closed_with_connection_timeout_after_the_auth_timeout()
    {
        await using var cluster = await StartAsync("--C2s:AuthTimeout=00:00:01");
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 60);
        var started = DateTime.UtcNow;
        await using var idle = await TestClient.ConnectAsync(cluster.C2s1Port, "idle", () => cluster.OutputTail());
        await idle.OpenStreamAsync();

        await idle.ExpectStreamErrorAsync("connection-timeout", Timeout);
        await idle.ExpectClosedAsync();
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(0.9), "closed before C2s:AuthTimeout");
        await cluster.C2s1.WaitForLineAsync(new Regex(@"not authenticated within C2s:AuthTimeout"), Timeout);
        await Scrape.UntilAsync(cluster.MetricsPortOf(cluster.C2s1),
            m => Scrape.Value(m, "xmpp_c2s_login_timeouts_total", "phase=\"auth\"") == 1, Timeout, "one auth timeout");
    }

    [Fact]
    public async Task An_authenticated_stream_gets_the_rest_of_the_login_timeout_to_bind()
    {
        await using var cluster = await StartAsync("--C2s:AuthTimeout=00:00:03", "--C2s:LoginTimeout=00:00:06");
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 60);
        var alice = await cluster.NewUserAsync("alice");
        await using var client = await TestClient.ConnectAsync(cluster.C2s1Port, "alice", () => cluster.OutputTail());
        var started = DateTime.UtcNow;
        await client.OpenStreamAsync();
        await client.StartTlsAsync();
        var auth = await client.AuthenticateAsync(alice.Jid, alice.Password);
        Assert.True(auth.Success);

        // authenticated within C2s:AuthTimeout (3 s) but not bound: C2s:LoginTimeout (6 s from connecting) ends it
        await client.ExpectStreamErrorAsync("connection-timeout", Timeout);
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(5.5), "closed before C2s:LoginTimeout");
        await cluster.C2s1.WaitForLineAsync(new Regex(@"not bound within C2s:LoginTimeout"), Timeout);
    }

    /// <summary>The server counts a connection closed once it has seen the close: retry briefly.</summary>
    private static async Task RetryAsync(Func<Task> action)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            try
            {
                await action();
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
