using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xmpp.Integration.Tests.Observability;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>
/// After login c2s moves an established TLS 1.3 client from OpenSSL's record layer to its own
/// (C2s:TlsTakeOverRecords, docs/BENCHMARKS.md "Fourth pass"): the client notices nothing, and
/// stanzas larger than one TLS record still travel both ways.
/// </summary>
public sealed class TlsHandOverTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Logged_in_clients_move_to_our_record_layer_and_keep_chatting()
    {
        var metricsPort = Cluster.MetricsPortOf(Cluster.C2s1);
        var before = Scrape.Value(await Scrape.MetricsAsync(metricsPort), "xmpp_c2s_tls_handed_over_total") ?? 0;

        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), C2s1, "phone");
        var bob = await LoginAsync(await Cluster.NewUserAsync("bob"), C2s1, "laptop");
        Assert.True(alice.IsTls && bob.IsTls);
        await Scrape.UntilAsync(metricsPort, m => Scrape.Value(m, "xmpp_c2s_tls_handed_over_total") >= before + 2, Limit,
            "alice's and bob's connections handed over");

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
