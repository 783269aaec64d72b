using Xmpp.Common;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;
using static Xmpp.Integration.Tests.Rfc6121.ImClient;

namespace Xmpp.Integration.Tests.Rfc6121;

/// <summary>RFC 6121 §4.5.2 when a whole c2s dies: its own cluster, since it kills one of the processes.</summary>
public sealed class Rfc6121C2sDeathTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Rfc6121_4_5_2_contacts_see_unavailable_when_the_users_c2s_is_killed()
    {
        await using var cluster = await Cluster.StartAsync();
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 200);
        var julietAccount = await cluster.NewUserAsync("juliet");
        var romeoAccount = await cluster.NewUserAsync("romeo");
        var juliet = await clients.LoginAsync(julietAccount, cluster.C2s1Port, "balcony");
        var romeo = await clients.LoginAsync(romeoAccount, cluster.C2s2Port, "orchard");
        await MakeMutualAsync(juliet, romeo);

        cluster.C2s2.Kill9();

        // sm learns from the router (ComponentEvent up=false) that c2s-2 is gone and ends its sessions
        var unavailable = await juliet.ExpectPresenceAsync(romeo.Jid, "unavailable", TimeSpan.FromSeconds(20));
        Assert.Equal(juliet.BareJid, unavailable.Attr("to"));
    }
}
