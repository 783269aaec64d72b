using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>
/// Logged-in TLS clients (SslStream on c2s's side) exchange stanzas larger than one TLS record
/// (16 KiB) both ways, then small ones, and stay usable.
/// </summary>
public class TlsLargeStanzaTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Stanzas_beyond_one_tls_record_travel_both_ways()
    {
        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), C2s1, "phone");
        var bob = await LoginAsync(await Cluster.NewUserAsync("bob"), C2s1, "laptop");
        Assert.True(alice.IsTls && bob.IsTls);

        // Beyond one record (16 KiB) each way, then small stanzas both ways.
        var big = new string('x', 40_000);
        await alice.SendAsync($"<message to='{bob.Jid}' type='chat' id='big'><body>{big}</body></message>");
        var received = await bob.ExpectAsync(s => s.IsMessage() && s.Attr("id") == "big", Limit);
        Assert.Equal(big, received.Body());
        await bob.SendAsync($"<message to='{alice.Jid}' type='chat' id='small'><body>got it</body></message>");
        Assert.Equal("got it", (await alice.ExpectAsync(s => s.IsMessage() && s.Attr("id") == "small", Limit)).Body());
        await alice.PingServerAsync();
        await bob.PingServerAsync();
    }
}
