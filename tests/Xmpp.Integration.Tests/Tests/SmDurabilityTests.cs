using System.Diagnostics;
using System.Text.RegularExpressions;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>
/// Issue #18, durable writes: a message sm acknowledged (the sender's next iq was answered, and sm
/// handles one session's stanzas in order) is on disk, whatever happens to sm afterwards. Its own
/// cluster, since it kills sm.
/// </summary>
public sealed partial class SmDurabilityTests(ITestOutputHelper output)
{
    private const int Rounds = 20;
    private static readonly TimeSpan RelinkTimeout = TimeSpan.FromSeconds(30);

    [GeneratedRegex(@"Session manager sm/localhost is up")]
    private static partial Regex SmUp();

    [Fact]
    public async Task An_acknowledged_offline_message_survives_kill_9_of_sm_20_times_out_of_20()
    {
        await using var cluster = await Cluster.StartAsync();
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 60);
        var aliceAccount = await cluster.NewUserAsync("alice");
        var bobAccount = await cluster.NewUserAsync("bob");
        var restarts = new List<TimeSpan>();

        for (var round = 1; round <= Rounds; round++)
        {
            var body = $"round {round}: acknowledged before kill -9";
            var alice = await clients.LoginAsync(aliceAccount, cluster.C2s1Port, "phone");
            await alice.SendAsync($"<message to='{bobAccount.Jid}' type='chat' id='m{round}'><body>{body}</body></message>");
            var pong = await alice.PingServerAsync(); // answered after sm stored the message (one session's stanzas in order)
            Assert.Equal("result", pong.Attr("type"));

            var c2sLines = cluster.C2sInstances.Select(c => c.LineCount).ToArray();
            var killedAt = Stopwatch.StartNew();
            cluster.Sm.Kill9();
            await cluster.Sm.Exited.WaitAsync(RelinkTimeout);
            await cluster.RestartSmAsync();
            // Both c2s hear from the router that sm is back before anyone logs in.
            await Task.WhenAll(cluster.C2sInstances.Select((c, i) => c.WaitForLineAsync(SmUp(), RelinkTimeout, c2sLines[i])));
            restarts.Add(killedAt.Elapsed);
            await clients.CloseAsync(alice); // its stream was closed when sm went away

            var bob = await clients.LoginAsync(bobAccount, cluster.C2s2Port, "desk");
            var message = await bob.ExpectAsync(s => s.IsMessage() && s.Body() == body);
            Assert.Equal(alice.Jid, message.Attr("from"));
            Assert.True(message.DelayStamp() is not null, $"round {round}: the stored message has no delay stamp: {message.Text()}");
            // Unavailable before the next round's message, so that it goes to offline storage however
            // soon sm hears that the connection closed.
            await bob.SendAsync("<presence type='unavailable'/>");
            await bob.PingServerAsync();
            Assert.DoesNotContain(bob.History, s => s.IsMessage() && s.Body() != body); // no other round's message again
            await clients.CloseAsync(bob);
        }

        output.WriteLine($"kill -9 until both c2s saw sm back: median {Median(restarts):0} ms, max {restarts.Max().TotalMilliseconds:0} ms over {Rounds} rounds");
        Assert.False(cluster.Router.HasExited || cluster.C2s1.HasExited || cluster.C2s2.HasExited, $"a process died\n{cluster.OutputTail()}");
    }

    private static double Median(List<TimeSpan> values) =>
        values.Select(v => v.TotalMilliseconds).Order().ElementAt(values.Count / 2);
}
