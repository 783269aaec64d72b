using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>Issue #2, judged by 10: malformed XML ends that stream only.</summary>
public sealed class ProtocolViolationTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    [Fact]
    public async Task Malformed_xml_gets_not_well_formed_and_closes_only_that_stream()
    {
        var mallory = await LoginAsync(await Cluster.NewUserAsync("mallory"), C2s1, "m");
        var bob = await LoginAsync(await Cluster.NewUserAsync("bob"), C2s1, "b");
        var carol = await LoginAsync(await Cluster.NewUserAsync("carol"), C2s1, "c");

        await mallory.SendAsync($"<message to='{bob.BareJid}'><body>oops</message>");
        await mallory.ExpectStreamErrorAsync("not-well-formed");
        await mallory.ExpectClosedAsync();

        // the other clients of the same c2s are unaffected
        await carol.SendAsync($"<message to='{bob.Jid}' type='chat'><body>still there?</body></message>");
        await bob.ExpectAsync(s => s.IsMessage() && s.Body() == "still there?");
        await bob.SendAsync($"<message to='{carol.Jid}' type='chat'><body>yes</body></message>");
        await carol.ExpectAsync(s => s.IsMessage() && s.Body() == "yes");
        Assert.DoesNotContain(bob.History, s => s.Body() == "oops");
    }
}
