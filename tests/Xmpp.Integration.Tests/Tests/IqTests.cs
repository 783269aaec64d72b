using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>Issue #2, judged by 9: iq errors keep the request's id; XEP-0199 ping.</summary>
public sealed class IqTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    [Fact]
    public async Task An_iq_to_the_server_in_an_unknown_namespace_gets_service_unavailable_with_its_id()
    {
        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), C2s1, "phone");

        await alice.SendAsync("<iq type='get' id='unknown-ns-1' to='localhost'><query xmlns='urn:example:nobody-speaks-this'/></iq>");
        var answer = await alice.ExpectAsync(s => s.IsIq() && s.Attr("id") == "unknown-ns-1");

        Assert.Equal("error", answer.Attr("type"));
        Assert.Equal("service-unavailable", answer.ErrorCondition());
    }

    [Fact]
    public async Task An_iq_to_an_offline_full_jid_gets_service_unavailable()
    {
        var bob = await Cluster.NewUserAsync("bob"); // exists, not online
        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), C2s1, "phone");

        await alice.SendAsync($"<iq type='get' id='offline-1' to='{bob.Jid}/gone'><ping xmlns='urn:xmpp:ping'/></iq>");
        var answer = await alice.ExpectAsync(s => s.IsIq() && s.Attr("id") == "offline-1");

        Assert.Equal("error", answer.Attr("type"));
        Assert.Equal("service-unavailable", answer.ErrorCondition());
    }

    [Fact]
    public async Task A_ping_to_the_server_gets_a_result()
    {
        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), C2s2, "phone");

        await alice.SendAsync("<iq type='get' id='ping-1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>");
        var answer = await alice.ExpectAsync(s => s.IsIq() && s.Attr("id") == "ping-1");

        Assert.Equal("result", answer.Attr("type"));
        Assert.True(answer.Attr("from") is null or "localhost", $"the pong comes from {answer.Attr("from")}");
    }
}
