using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>Issue #2, judged by 8: the server stamps 'from'; a forged one never reaches anybody.</summary>
public sealed class StampingTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    [Fact]
    public async Task A_forged_from_is_never_delivered()
    {
        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), C2s1, "phone");
        var bob = await LoginAsync(await Cluster.NewUserAsync("bob"), C2s2, "laptop");

        await alice.SendAsync($"<message to='{bob.BareJid}' from='mallory@localhost/x' type='chat' id='forged'><body>forged</body></message>");
        await alice.SendAsync($"<message to='{bob.BareJid}' type='chat' id='marker'><body>marker</body></message>");

        // RFC 6120 §8.1.2.1: the server stamps the real JID, or ends alice's stream with <invalid-from/>.
        using var done = new CancellationTokenSource();
        var marker = bob.ExpectAsync(s => s.IsMessage() && s.Body() == "marker", done.Token);
        var streamError = alice.ExpectAsync(e => e.Name == XName.Get("error", Ns.Stream), done.Token);
        var first = await Task.WhenAny(marker, streamError);
        await done.CancelAsync();
        await first; // throws what went wrong, e.g. neither came

        if (first == streamError)
        {
            Assert.Equal("invalid-from", (await streamError).StreamErrorCondition());
            Output.WriteLine("alice's stream was ended with <invalid-from/>");
        }
        else
        {
            Assert.Equal(alice.Jid, (await marker).Attr("from"));
        }
        Assert.DoesNotContain(bob.History, s => (s.Attr("from") ?? "").StartsWith("mallory", StringComparison.Ordinal));
        foreach (var forged in bob.History.Where(s => s.Body() == "forged"))
            Assert.Equal(alice.Jid, forged.Attr("from"));
    }
}
