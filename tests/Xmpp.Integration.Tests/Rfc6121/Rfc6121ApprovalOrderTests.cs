using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;
using static Xmpp.Integration.Tests.Rfc6121.ImClient;

namespace Xmpp.Integration.Tests.Rfc6121;

/// <summary>
/// Issue 19's defect: RFC 6121 §3.1.6 wants the subscription approval delivered before the roster
/// push it causes; clients that see the push first show a wrong state. Over real sockets, users on
/// two c2s instances.
/// </summary>
public sealed class Rfc6121ApprovalOrderTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    [Fact]
    public async Task Rfc6121_3_1_6_the_user_receives_presence_subscribed_before_the_roster_push()
    {
        var juliet = await LoginAsync(await Cluster.NewUserAsync("juliet"), C2s1, "balcony");
        var romeo = await LoginAsync(await Cluster.NewUserAsync("romeo"), C2s2, "orchard");
        await juliet.GetRosterAsync();
        await romeo.GetRosterAsync();
        await juliet.SendAsync($"<presence to='{romeo.BareJid}' type='subscribe'/>");
        await romeo.ExpectPresenceAsync(juliet.BareJid, "subscribe");

        await romeo.SendAsync($"<presence to='{juliet.BareJid}' type='subscribed'/>");
        await juliet.ExpectPushAsync(romeo.BareJid, "to");
        await juliet.ExpectPresenceAsync(romeo.BareJid, "subscribed");

        var history = juliet.History.ToList();
        var presence = history.FindIndex(s => s.IsPresence() && s.Attr("from") == romeo.BareJid && s.Attr("type") == "subscribed");
        var push = history.FindIndex(s => s.PushedItem() is { } item && item.Attr("jid") == romeo.BareJid && item.Attr("subscription") == "to");
        Assert.True(presence >= 0 && push >= 0);
        Assert.True(presence < push, $"juliet got the roster push (#{push}) before <presence type='subscribed'/> (#{presence})");
    }
}
