using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Muc;

/// <summary>
/// Issue 21: an occupant whose c2s dies (kill -9) leaves the room: sm ends its session when the router
/// says the c2s is gone, and sends the room the unavailable presence the session owed it. Its own
/// cluster, since it kills a process.
/// </summary>
public sealed class MucC2sCrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_occupant_whose_c2s_is_killed_leaves_the_room_and_the_others_see_it_unavailable()
    {
        await using var cluster = await Cluster.StartAsync(new ClusterOptions { Muc = true });
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 80);
        var alice = await clients.LoginAsync(await cluster.NewUserAsync("alice"), cluster.C2s1Port, "phone");
        var bob = await clients.LoginAsync(await cluster.NewUserAsync("bob"), cluster.C2s2Port, "laptop");
        var room = "crash@" + Cluster.MucDomain;
        await alice.CreateInstantRoomAsync(room, "alice");
        await bob.JoinAsync(room, "bob");
        await alice.ExpectAsync(p => p.IsPresence() && p.IsFrom($"{room}/bob"));

        cluster.C2s2.Kill9();
        var left = await alice.ExpectAsync(p => p.IsPresence() && p.IsFrom($"{room}/bob") && p.Attr("type") == "unavailable", TimeSpan.FromSeconds(30));
        Assert.Equal("none", left.MucItem()!.Attr("role"));
        Assert.DoesNotContain(333, left.StatusCodes()); // an orderly leave, not an error
    }
}
