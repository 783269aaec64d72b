using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;
using static Xmpp.Integration.Tests.Rfc6121.ImClient;

namespace Xmpp.Integration.Tests.Profile;

/// <summary>XEP-0191 blocking through real sockets: the blocklist protocol and what a blocked contact gets (nothing).</summary>
public sealed class BlockingTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    private static readonly XNamespace B = ProfileClient.BlockingNs;

    /// <summary>juliet (c2s-1) and romeo (c2s-2), subscribed both ways, both available.</summary>
    private async Task<(TestClient Juliet, TestClient Romeo)> MutualAsync()
    {
        var juliet = await LoginAsync(await Cluster.NewUserAsync("juliet"), C2s1, "balcony");
        var romeo = await LoginAsync(await Cluster.NewUserAsync("romeo"), C2s2, "orchard");
        await MakeMutualAsync(juliet, romeo);
        await juliet.ExpectPresenceAsync(romeo.Jid);
        await romeo.ExpectPresenceAsync(juliet.Jid);
        return (juliet, romeo);
    }

    private static Task<XElement> BlockAsync(TestClient c, string jid) =>
        c.IqAsync("set", $"<block xmlns='urn:xmpp:blocking'><item jid='{jid}'/></block>");

    [Fact]
    public async Task Xep0191_a_blocked_contact_sees_the_user_go_offline_gets_errors_for_messages_and_its_presence_does_not_arrive()
    {
        var (juliet, romeo) = await MutualAsync();

        (await BlockAsync(juliet, romeo.BareJid)).AssertResult();
        // §3.3: the blocked contact gets unavailable presence from the user's resource
        await romeo.ExpectPresenceAsync(juliet.Jid, "unavailable");

        var julietSince = juliet.History.Count;
        // §3.5: his message is refused with <service-unavailable/>, and never reaches her
        await romeo.SendAsync($"<message to='{juliet.BareJid}' type='chat' id='m1'><body>wherefore</body></message>");
        var bounce = await romeo.ExpectAsync(s => s.IsMessage() && s.Attr("id") == "m1");
        bounce.AssertError("service-unavailable");
        // an iq to her resource too
        var iq = await romeo.IqAsync("get", $"<ping xmlns='{Ns.Ping}'/>", to: juliet.Jid);
        iq.AssertError("service-unavailable");
        // his presence is dropped without an answer
        await romeo.SendAsync("<presence><show>away</show></presence>");
        await ProfileClient.AssertNothingSinceAsync(romeo, juliet, julietSince, s => (s.IsMessage() || s.IsPresence() || s.IsIq()) && s.Attr("from")?.StartsWith(romeo.BareJid, StringComparison.Ordinal) == true,
            "anything from the blocked contact");
        Assert.DoesNotContain(romeo.History, s => s.IsPresence() && s.Attr("type") == "error");

        // §3.6: her own message to him gets <not-acceptable/> with <blocked/>
        await juliet.SendAsync($"<message to='{romeo.BareJid}' type='chat' id='m2'><body>farewell</body></message>");
        var refused = await juliet.ExpectAsync(s => s.IsMessage() && s.Attr("id") == "m2");
        refused.AssertError("not-acceptable");
        Assert.NotNull(refused.Descendants(XName.Get("blocked", "urn:xmpp:blocking:errors")).FirstOrDefault());
        // her presence changes do not reach him
        var romeoSince = romeo.History.Count;
        await juliet.SendAsync("<presence><show>dnd</show></presence>");
        await ProfileClient.AssertNothingSinceAsync(juliet, romeo, romeoSince, s => (s.IsMessage() || s.IsPresence()) && s.Attr("from")?.StartsWith(juliet.BareJid, StringComparison.Ordinal) == true
                                                      && s.Attr("type") != "error",
            "her presence or messages after the block");
    }

    [Fact]
    public async Task Xep0191_unblocking_restores_presence_and_delivery()
    {
        var (juliet, romeo) = await MutualAsync();
        (await BlockAsync(juliet, romeo.BareJid)).AssertResult();
        await romeo.ExpectPresenceAsync(juliet.Jid, "unavailable");

        (await juliet.IqAsync("set", $"<unblock xmlns='urn:xmpp:blocking'><item jid='{romeo.BareJid}'/></unblock>")).AssertResult();
        // §3.4: he gets her current presence again
        await romeo.ExpectPresenceAsync(juliet.Jid);

        await romeo.SendAsync($"<message to='{juliet.BareJid}' type='chat' id='m3'><body>again</body></message>");
        var message = await juliet.ExpectAsync(s => s.IsMessage() && s.Body() == "again");
        Assert.Equal(romeo.Jid, message.Attr("from"));
        await juliet.SendAsync($"<message to='{romeo.BareJid}' type='chat'><body>welcome back</body></message>");
        await romeo.ExpectAsync(s => s.IsMessage() && s.Body() == "welcome back");
        await romeo.SendAsync("<presence><show>chat</show></presence>");
        await juliet.ExpectAsync(s => s.IsPresence() && s.Attr("from") == romeo.Jid && s.Element(XName.Get("show", Ns.Client))?.Value == "chat");
    }

    [Fact]
    public async Task Xep0191_the_blocklist_is_kept_and_changes_are_pushed_to_resources_that_asked_for_it()
    {
        var account = await Cluster.NewUserAsync("juliet");
        var balcony = await LoginAsync(account, C2s1, "balcony");
        var chamber = await LoginAsync(account, C2s2, "chamber");
        var quiet = await LoginAsync(account, C2s1, "quiet"); // never asks for the blocklist
        var empty = await chamber.IqAsync("get", "<blocklist xmlns='urn:xmpp:blocking'/>");
        Assert.Empty(empty.Element(B + "blocklist")!.Elements());

        (await balcony.IqAsync("set", "<block xmlns='urn:xmpp:blocking'><item jid='Tybalt@Localhost'/><item jid='montague.example'/></block>")).AssertResult();
        var push = await chamber.ExpectAsync(s => s.IsIq() && s.Attr("type") == "set" && s.Element(B + "block") is not null);
        Assert.Equal(["montague.example", "tybalt@localhost"], push.Element(B + "block")!.Elements(B + "item").Select(i => i.Attr("jid")).Order(StringComparer.Ordinal));

        var list = await balcony.IqAsync("get", "<blocklist xmlns='urn:xmpp:blocking'/>");
        Assert.Equal(["montague.example", "tybalt@localhost"], list.Element(B + "blocklist")!.Elements(B + "item").Select(i => i.Attr("jid")).Order(StringComparer.Ordinal));

        // unblock all: no items
        (await balcony.IqAsync("set", "<unblock xmlns='urn:xmpp:blocking'/>")).AssertResult();
        await chamber.ExpectAsync(s => s.IsIq() && s.Attr("type") == "set" && s.Element(B + "unblock") is { HasElements: false });
        await balcony.ExpectAsync(s => s.IsIq() && s.Attr("type") == "set" && s.Element(B + "unblock") is not null);
        Assert.Empty((await chamber.IqAsync("get", "<blocklist xmlns='urn:xmpp:blocking'/>")).Element(B + "blocklist")!.Elements());
        await AssertNothingAsync(balcony, quiet, s => s.IsIq() && s.Attr("type") == "set", "a blocklist push (it never asked for the list)");

        (await balcony.IqAsync("set", "<block xmlns='urn:xmpp:blocking'/>")).AssertError("bad-request");
        (await balcony.IqAsync("set", "<block xmlns='urn:xmpp:blocking'><item jid='@bad@'/></block>")).AssertError("jid-malformed");
    }
}
