using System.Net.Sockets;
using System.Text;
using Xmpp.Common;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>Issue #2, judged by 10: malformed XML ends that stream only.</summary>
public sealed class ProtocolViolationTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    [Fact]
    public async Task Malformed_xml_gets_not_well_formed_and_closes_only_that_stream()
    {
        var mallory = await LoginAsync(await Cluster.NewUserAsync("mallory"), C2s1, "m");
        var bob = await LoginAsync(await Cluster.NewUserAsync("bob"), C2s1, "b");
        var carol = await LoginAsync(await Cluster.NewUserAsync("carol"), C2s1, "c");

        await mallory.SendAsync($"<message to='{bob.BareJid}'><body>oops</message>");
        await mallory.ExpectStreamErrorAsync("not-well-formed");
        await mallory.ExpectClosedAsync();

        // the other clients of the same c2s are unaffected
        await carol.SendAsync($"<message to='{bob.Jid}' type='chat'><body>still there?</body></message>");
        await bob.ExpectAsync(s => s.IsMessage() && s.Body() == "still there?");
        await bob.SendAsync($"<message to='{carol.Jid}' type='chat'><body>yes</body></message>");
        await carol.ExpectAsync(s => s.IsMessage() && s.Body() == "yes");
        Assert.DoesNotContain(bob.History, s => s.Body() == "oops");
    }

    [Fact]
    public async Task Whitespace_sent_right_after_starttls_is_ignored_and_tls_starts()
    {
        var account = await Cluster.NewUserAsync("spacey");
        var client = await ConnectAsync(C2s1, "spacey");
        await client.OpenStreamAsync();
        await client.StartTlsAsync(trailing: "\n  \n");
        var auth = await client.AuthenticateAsync(Stanza.BareOf(account.Jid), account.Password);
        Assert.True(auth.Success, auth.Answer.ToString());
    }

    [Fact]
    public async Task Bytes_sent_after_starttls_before_proceed_close_that_connection_only()
    {
        var bob = await LoginAsync(await Cluster.NewUserAsync("bob"), C2s1, "b");

        // A raw socket: the test client stops reading at <proceed/> to hand the socket to TLS.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", C2s1, cts.Token);
        await socket.SendAsync(Encoding.UTF8.GetBytes(
            $"<?xml version='1.0'?><stream:stream xmlns='{Ns.Client}' xmlns:stream='{Ns.Stream}' to='localhost' version='1.0'>"), cts.Token);
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (!received.ToString().Contains("</stream:features>"))
        {
            var n = await socket.ReceiveAsync(buffer, cts.Token);
            Assert.True(n > 0, $"closed before the features: {received}");
            received.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        await socket.SendAsync(Encoding.UTF8.GetBytes(
            $"<starttls xmlns='{Ns.Tls}'/><message to='{bob.Jid}'><body>too soon</body></message>"), cts.Token);
        received.Clear();
        int read;
        while ((read = await socket.ReceiveAsync(buffer, cts.Token)) > 0) received.Append(Encoding.UTF8.GetString(buffer, 0, read));
        Assert.Contains("<proceed", received.ToString());

        await bob.PingServerAsync();
        Assert.DoesNotContain(bob.History, s => s.Body() == "too soon");
    }
}
