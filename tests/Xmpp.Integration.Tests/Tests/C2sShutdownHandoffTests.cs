using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xmpp.Integration.Tests.StreamManagement;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>
/// Issue 20, a graceful c2s stop hands its clients on: with C2s:Shutdown:SeeOtherHost set, a
/// client without a resumable XEP-0198 session is sent there with &lt;see-other-host/&gt; (RFC 6120
/// §4.9.3.19) and its session ends; one with a resumable session gets &lt;system-shutdown/&gt; and
/// resumes it on the other c2s. Real processes, two c2s, SIGTERM.
/// </summary>
public sealed class C2sShutdownHandoffTests(ITestOutputHelper output)
{
    private const string OtherHost = "xmpp-2.localhost:5222";

    [Fact]
    public async Task A_stopping_c2s_sends_plain_clients_to_the_configured_other_host_and_lets_resumable_ones_resume()
    {
        await using var cluster = await Cluster.StartAsync(new ClusterOptions
        {
            ExtraArgs = new Dictionary<string, string[]> { ["c2s"] = [$"--C2s:Shutdown:SeeOtherHost={OtherHost}"] },
        });
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 100);
        var alice = await clients.LoginAsync(await cluster.NewUserAsync("alice"), cluster.C2s1Port, "phone");
        var carol = await clients.LoginAsync(await cluster.NewUserAsync("carol"), cluster.C2s2Port, "desk"); // no XEP-0198
        var bobAccount = await cluster.NewUserAsync("bob");
        var bob = await SmClient.AuthenticatedAsync(cluster, bobAccount, cluster.C2s2Port, "bob@c2s-2");
        await using var _ = bob.Client;
        var bobJid = await bob.Client.BindAsync("laptop");
        await bob.Client.SendPresenceAsync();
        var previd = (await bob.EnableAsync()).Attr("id")!;

        var stopping = cluster.C2s2.TerminateAsync(TimeSpan.FromSeconds(30));

        var error = await carol.ExpectStreamErrorAsync("see-other-host");
        Assert.Equal(OtherHost, error.Elements().Single(e => e.Name.LocalName == "see-other-host").Value);
        await carol.ExpectClosedAsync();
        await bob.Client.ExpectStreamErrorAsync("system-shutdown");
        var handled = bob.Handled;
        Assert.Equal(0, await stopping);

        // carol's session ended (she reconnects elsewhere and logs in anew): an iq to it is answered by sm.
        var probe = alice.NewId("probe");
        await alice.SendAsync($"<iq type='get' id='{probe}' to='{carol.Jid}'><ping xmlns='urn:xmpp:ping'/></iq>");
        Assert.Equal("service-unavailable", (await alice.ExpectAsync(s => s.IsIq() && s.Attr("id") == probe)).ErrorCondition());

        // bob's waited, detached: he resumes it on c2s-1 and gets what was sent meanwhile.
        await alice.SendAsync($"<message to='{bobJid}' type='chat'><body>while away</body></message>");
        var second = await SmClient.AuthenticatedAsync(cluster, bobAccount, cluster.C2s1Port, "bob@c2s-1");
        await using var __ = second.Client;
        Assert.Equal("resumed", (await second.ResumeAsync(previd, handled)).Name.LocalName);
        await second.Client.ExpectAsync(e => e.IsMessage() && e.Body() == "while away");
    }
}
