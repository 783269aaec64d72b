using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>
/// Issue #18: offline storage is capped in bytes per account (Sm:Offline:MaxBytesPerAccount);
/// the sender of a message that does not fit gets &lt;service-unavailable/&gt; (RFC 6121 §8.5.2.1.1).
/// Its own cluster, with a small cap.
/// </summary>
public sealed class OfflineQuotaTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_message_that_does_not_fit_the_recipients_offline_bytes_is_refused_with_service_unavailable()
    {
        await using var cluster = await Cluster.StartAsync(new ClusterOptions
        {
            C2sCount = 1,
            ExtraArgs = new Dictionary<string, string[]> { ["sm"] = ["--Sm:Offline:MaxBytesPerAccount=4096"] },
        });
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 60);
        var aliceAccount = await cluster.NewUserAsync("alice");
        var bobAccount = await cluster.NewUserAsync("bob");
        var alice = await clients.LoginAsync(aliceAccount, cluster.C2s1Port, "phone");
        var text = new string('x', 1500);

        foreach (var id in new[] { "m1", "m2", "m3" })
            await alice.SendAsync($"<message to='{bobAccount.Jid}' type='chat' id='{id}'><body>{id} {text}</body></message>");
        var error = await alice.ExpectAsync(s => s.IsMessage() && s.Attr("id") == "m3");
        await alice.PingServerAsync();

        Assert.Equal("error", error.Attr("type"));
        Assert.Equal("service-unavailable", error.ErrorCondition());
        Assert.DoesNotContain(alice.History, s => s.IsMessage() && s.Attr("id") is "m1" or "m2" && s.Attr("type") == "error");
        await cluster.Sm.WaitForLineAsync(new(@"Offline store of bob-\d+@localhost is full"), TimeSpan.FromSeconds(5));

        // A small one still fits; bob gets what was kept, and nothing of the refused one.
        await alice.SendAsync($"<message to='{bobAccount.Jid}' type='chat' id='m4'><body>m4 short</body></message>");
        await alice.PingServerAsync();
        var bob = await clients.LoginAsync(bobAccount, cluster.C2s1Port, "desk");
        await bob.ExpectAsync(s => s.IsMessage() && s.Body() == "m4 short");
        Assert.Equal(["m1", "m2", "m4"], bob.History.Where(s => s.IsMessage()).Select(s => s.Attr("id")));
    }
}
