using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.AccountServices;

/// <summary>xmppctl's XEP-0133 operations: online (live sessions), announce (a headline to each), kick (end a user's sessions).</summary>
public sealed class XmppctlSessionCommandsTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    [Fact]
    public async Task Xmppctl_lists_online_sessions_announces_to_them_and_kicks_a_user()
    {
        var aliceAccount = await Cluster.NewUserAsync("ctl-alice");
        var bobAccount = await Cluster.NewUserAsync("ctl-bob");
        var alice = await LoginAsync(aliceAccount, C2s1, "phone");
        var bob = await LoginAsync(bobAccount, C2s2, "desk");

        var online = await Cluster.CtlAsync("online");
        Assert.Equal(0, online.ExitCode);
        Assert.Contains($"{aliceAccount.Jid}/phone", online.Stdout);
        Assert.Contains($"{bobAccount.Jid}/desk", online.Stdout);

        var announce = await Cluster.CtlAsync("announce", "--subject", "Notice", "Maintenance tonight");
        Assert.Equal(0, announce.ExitCode);
        foreach (var client in new[] { alice, bob })
        {
            var message = await client.ExpectAsync(s => s.IsMessage() && s.Body() == "Maintenance tonight");
            Assert.Equal("headline", message.Attr("type"));
            Assert.Equal("localhost", message.Attr("from"));
        }

        var kick = await Cluster.CtlAsync("kick", bobAccount.Jid);
        Assert.Equal(0, kick.ExitCode);
        Assert.Contains($"ended {bobAccount.Jid}/desk", kick.Stdout);
        await bob.ExpectStreamErrorAsync("policy-violation");
        Assert.Equal("result", (await alice.PingServerAsync()).Attr("type"));
        var after = await Cluster.CtlAsync("online");
        Assert.DoesNotContain(bobAccount.Jid, after.Stdout);
        Assert.Contains(aliceAccount.Jid, after.Stdout);
    }
}
