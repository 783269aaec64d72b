using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;
using static Xmpp.Integration.Tests.Rfc6121.ImClient;

namespace Xmpp.Integration.Tests.Profile;

/// <summary>XEP-0352 client state indication through real sockets.</summary>
public sealed class CsiTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    private static string? Show(XElement presence) => presence.Element(XName.Get("show", Ns.Client))?.Value;

    private async Task<(TestClient Juliet, TestClient Romeo)> MutualAsync()
    {
        var juliet = await LoginAsync(await Cluster.NewUserAsync("juliet"), C2s1, "phone");
        var romeo = await LoginAsync(await Cluster.NewUserAsync("romeo"), C2s2, "orchard");
        await MakeMutualAsync(juliet, romeo);
        await juliet.ExpectPresenceAsync(romeo.Jid);
        return (juliet, romeo);
    }

    [Fact]
    public async Task Xep0352_csi_is_offered_after_authentication()
    {
        var juliet = await LoginAsync(await Cluster.NewUserAsync("juliet"), C2s1);
        Assert.NotNull(juliet.Features.Element(XName.Get("csi", "urn:xmpp:csi:0")));
    }

    [Fact]
    public async Task Xep0352_while_inactive_presence_is_held_and_only_the_latest_per_contact_comes_on_active()
    {
        var (juliet, romeo) = await MutualAsync();
        await juliet.SendAsync("<inactive xmlns='urn:xmpp:csi:0'/>");
        await juliet.PingServerAsync(); // c2s has read the nonza before anything below is sent to her
        var before = juliet.History.Count;

        await romeo.SendAsync("<presence><show>away</show></presence>");
        await romeo.SendAsync("<presence><show>xa</show></presence>");
        await romeo.SendAsync("<presence><show>dnd</show></presence>");
        await romeo.PingServerAsync(); // sm has sent all three to her c2s
        Assert.DoesNotContain(juliet.History.Skip(before), s => s.IsPresence() && s.Attr("from") == romeo.Jid);

        await juliet.SendAsync("<active xmlns='urn:xmpp:csi:0'/>");
        var pong = await juliet.PingServerAsync();
        var fromRomeo = juliet.History.Skip(before).TakeWhile(s => s != pong).Where(s => s.IsPresence() && s.Attr("from") == romeo.Jid).ToArray();
        Assert.True(fromRomeo.Length == 1 && Show(fromRomeo[0]) == "dnd", $"expected only the latest presence (dnd), got: {string.Join(" ", fromRomeo.Select(p => p.Text()))}");

        // active again: presence flows at once
        await romeo.SendAsync("<presence><show>chat</show></presence>");
        await juliet.ExpectAsync(s => s.IsPresence() && s.Attr("from") == romeo.Jid && Show(s) == "chat");
    }

    [Fact]
    public async Task Xep0352_a_message_to_an_inactive_client_is_not_held_and_brings_the_held_presence_first()
    {
        var (juliet, romeo) = await MutualAsync();
        await juliet.SendAsync("<inactive xmlns='urn:xmpp:csi:0'/>");
        await juliet.PingServerAsync();
        var before = juliet.History.Count;

        await romeo.SendAsync("<presence><show>away</show></presence>");
        await romeo.PingServerAsync();
        await romeo.SendAsync($"<message to='{juliet.BareJid}' type='chat'><body>are you there?</body></message>");
        var message = await juliet.ExpectAsync(s => s.IsMessage() && s.Body() == "are you there?");
        var received = juliet.History.Skip(before).ToList();
        var presenceAt = received.FindIndex(s => s.IsPresence() && s.Attr("from") == romeo.Jid && Show(s) == "away");
        Assert.True(presenceAt >= 0 && presenceAt < received.IndexOf(message), $"the held presence should come right before the message: {string.Join(" ", received.Select(s => s.Text()))}");
    }
}
