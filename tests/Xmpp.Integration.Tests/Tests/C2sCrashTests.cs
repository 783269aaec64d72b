using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>
/// Issue #2, judged by 7: kill -9 of a c2s. It has its own cluster, since it kills one of its processes.
/// </summary>
public sealed class C2sCrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task After_kill_9_of_a_c2s_its_users_are_offline_and_get_their_messages_at_next_login()
    {
        await using var cluster = await Cluster.StartAsync();
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 200);
        var aliceAccount = await cluster.NewUserAsync("alice");
        var bobAccount = await cluster.NewUserAsync("bob");
        var alice = await clients.LoginAsync(aliceAccount, cluster.C2s1Port, "phone");
        var bob = await clients.LoginAsync(bobAccount, cluster.C2s2Port, "desk");

        // bob is online on c2s-2
        await alice.SendAsync($"<message to='{bob.BareJid}' type='chat'><body>before the crash</body></message>");
        await bob.ExpectAsync(s => s.IsMessage() && s.Body() == "before the crash");

        cluster.C2s2.Kill9();
        await bob.ExpectClosedAsync(); // his socket dies with the process

        // sm learns from the router that c2s-2 is gone and ends its sessions; from then on an
        // iq to bob's full JID is answered service-unavailable by sm (bounded poll, 20 s).
        await WaitUntilOfflineAsync(alice, bob.Jid, TimeSpan.FromSeconds(20), cluster);

        await alice.SendAsync($"<message to='{bob.BareJid}' type='chat' id='after'><body>sent after the crash</body></message>");
        await alice.PingServerAsync(); // sm has handled the message once it answers

        var bobAgain = await clients.LoginAsync(bobAccount, cluster.C2s1Port, "desk");
        var message = await bobAgain.ExpectAsync(s => s.IsMessage() && s.Body() == "sent after the crash");
        Assert.Equal(alice.Jid, message.Attr("from"));
        Assert.True(message.DelayStamp() is not null, $"the message kept for bob has no delay stamp: {message.Text()}");
        Assert.DoesNotContain(bobAgain.History, s => s.Body() == "before the crash"); // delivered once, not again

        Assert.False(cluster.Router.HasExited || cluster.Sm.HasExited || cluster.C2s1.HasExited,
            $"a surviving process died\n{cluster.OutputTail()}");
    }

    private static async Task WaitUntilOfflineAsync(TestClient alice, string bobFullJid, TimeSpan limit, Cluster cluster)
    {
        var deadline = DateTime.UtcNow + limit;
        var answers = new List<string>();
        while (DateTime.UtcNow < deadline)
        {
            var id = alice.NewId("probe");
            await alice.SendAsync($"<iq type='get' id='{id}' to='{bobFullJid}'><ping xmlns='urn:xmpp:ping'/></iq>");
            try
            {
                var answer = await alice.ExpectAsync(s => s.IsIq() && s.Attr("id") == id, TimeSpan.FromSeconds(1));
                if (answer.ErrorCondition() == "service-unavailable") return;
                answers.Add(answer.Text());
            }
            catch (TimeoutException)
            {
                answers.Add($"no answer to {id} within 1 s");
            }
        }
        Assert.Fail($"sm did not end bob's session on the killed c2s within {limit.TotalSeconds:0} s; answers to the probes: " +
                    $"{string.Join("; ", answers.TakeLast(5))}\n{cluster.OutputTail()}");
    }
}
