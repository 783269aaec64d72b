using System.Globalization;
using System.Text.RegularExpressions;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;
using static Xmpp.Integration.Tests.Rfc6121.ImClient;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>
/// XEP-0012 through real processes: an account's last logout and status are kept in sm's
/// database (the module's own table), so they survive kill -9 of sm. Its own cluster, since it kills sm.
/// </summary>
public sealed partial class LastActivityRestartTests(ITestOutputHelper output)
{
    private static readonly TimeSpan RelinkTimeout = TimeSpan.FromSeconds(30);

    [GeneratedRegex(@"Session manager sm/localhost is up")]
    private static partial Regex SmUp();

    [Fact]
    public async Task The_last_logout_and_its_status_survive_kill_9_of_sm()
    {
        await using var cluster = await Cluster.StartAsync();
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 60);
        var aliceAccount = await cluster.NewUserAsync("alice");
        var bobAccount = await cluster.NewUserAsync("bob");
        var alice = await clients.LoginAsync(aliceAccount, cluster.C2s1Port, "phone");
        var bob = await clients.LoginAsync(bobAccount, cluster.C2s2Port, "pc");
        await MakeMutualAsync(alice, bob);

        await alice.SendAsync("<presence type='unavailable'><status>back on monday</status></presence>");
        await bob.ExpectPresenceAsync(alice.Jid, "unavailable");
        var smLines = cluster.Sm.LineCount;
        await alice.LogoutAsync();
        await cluster.Sm.WaitForLineAsync(new Regex($"Session \\S+ of {Regex.Escape(alice.Jid)} ended"), TestClient.DefaultTimeout, smLines);
        await bob.PingServerAsync(); // answered after the batch that recorded the logout was committed

        var c2sLines = cluster.C2sInstances.Select(c => c.LineCount).ToArray();
        cluster.Sm.Kill9();
        await cluster.Sm.Exited.WaitAsync(RelinkTimeout);
        await cluster.RestartSmAsync();
        await Task.WhenAll(cluster.C2sInstances.Select((c, i) => c.WaitForLineAsync(SmUp(), RelinkTimeout, c2sLines[i])));
        await clients.CloseAsync(bob); // its stream was closed when sm went away
        await clients.CloseAsync(alice);

        var again = await clients.LoginAsync(bobAccount, cluster.C2s1Port, "desk");
        var id = again.NewId("last");
        await again.SendAsync($"<iq type='get' id='{id}' to='{aliceAccount.Jid}'><query xmlns='jabber:iq:last'/></iq>");
        var answer = await again.ExpectAsync(s => s.IsIq() && s.Attr("id") == id);

        var query = answer.Child("jabber:iq:last", "query");
        Assert.True(query is not null, $"no last activity: {answer.Text()}");
        Assert.Equal("back on monday", query.Value);
        Assert.InRange(long.Parse(query.Attr("seconds")!, CultureInfo.InvariantCulture), 0, 120);
    }
}
