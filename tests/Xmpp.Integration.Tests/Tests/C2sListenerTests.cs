using System.Net.Sockets;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>c2s's own accept loop: its connection limit and its shutdown. Each test has its own cluster.</summary>
public sealed class C2sListenerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task At_its_connection_limit_a_c2s_closes_new_connections_and_keeps_serving_the_open_ones()
    {
        await using var cluster = await Cluster.StartAsync(new ClusterOptions
        {
            C2sCount = 1,
            ExtraArgs = new Dictionary<string, string[]> { ["c2s"] = ["--C2s:MaxConnections=2"] },
        });
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 100);
        var aliceAccount = await cluster.NewUserAsync("alice");
        var bobAccount = await cluster.NewUserAsync("bob");
        var alice = await clients.LoginAsync(aliceAccount, cluster.C2s1Port, "phone");
        var bob = await clients.LoginAsync(bobAccount, cluster.C2s1Port, "desk");

        Assert.True(await IsClosedAtOnceAsync(cluster.C2s1Port), "a third connection was not closed at the limit of 2");

        await alice.SendAsync($"<message to='{bob.BareJid}' type='chat'><body>still here</body></message>");
        await bob.ExpectAsync(s => s.IsMessage() && s.Body() == "still here");

        // Once one leaves, a new client gets in.
        await clients.CloseAsync(bob);
        var bobAgain = await RetryLoginAsync(clients, bobAccount, cluster.C2s1Port);
        await alice.SendAsync($"<message to='{bobAgain.BareJid}' type='chat'><body>welcome back</body></message>");
        await bobAgain.ExpectAsync(s => s.IsMessage() && s.Body() == "welcome back");
    }

    [Fact]
    public async Task A_c2s_told_to_stop_sends_its_clients_system_shutdown_and_sm_ends_their_sessions()
    {
        await using var cluster = await Cluster.StartAsync();
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 100);
        var aliceAccount = await cluster.NewUserAsync("alice");
        var bobAccount = await cluster.NewUserAsync("bob");
        var alice = await clients.LoginAsync(aliceAccount, cluster.C2s1Port, "phone");
        var bob = await clients.LoginAsync(bobAccount, cluster.C2s2Port, "desk");

        var exit = await cluster.C2s2.TerminateAsync(TimeSpan.FromSeconds(20));
        await bob.ExpectStreamErrorAsync("system-shutdown");
        await bob.ExpectClosedAsync();
        Assert.Equal(0, exit);

        // sm ended bob's session: a message to him is kept for later, not sent to a dead session.
        var probe = alice.NewId("probe");
        await alice.SendAsync($"<iq type='get' id='{probe}' to='{bob.Jid}'><ping xmlns='urn:xmpp:ping'/></iq>");
        var answer = await alice.ExpectAsync(s => s.IsIq() && s.Attr("id") == probe);
        Assert.Equal("service-unavailable", answer.ErrorCondition());
    }

    /// <summary>True when the server closes a fresh connection without a byte of its own.</summary>
    private static async Task<bool> IsClosedAtOnceAsync(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var cts = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync("127.0.0.1", port, cts.Token);
        await socket.SendAsync("<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"u8.ToArray(), SocketFlags.None, cts.Token);
        var buffer = new byte[1024];
        try
        {
            return await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) == 0;
        }
        catch (SocketException)
        {
            return true; // reset
        }
    }

    /// <summary>The server counts a connection closed when it has seen the close: retry briefly.</summary>
    private static async Task<TestClient> RetryLoginAsync(OwnClusterClients clients, Account account, int port)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            try
            {
                return await clients.LoginAsync(account, port, "desk");
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
