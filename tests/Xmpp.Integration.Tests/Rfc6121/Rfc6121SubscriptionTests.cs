using Xmpp.Common;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;
using static Xmpp.Integration.Tests.Rfc6121.ImClient;

namespace Xmpp.Integration.Tests.Rfc6121;

/// <summary>RFC 6121 §3 subscriptions between users on two c2s instances, over real sockets.</summary>
public sealed class Rfc6121SubscriptionTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    private async Task<(TestClient Juliet, TestClient Romeo)> TwoInterestedAsync()
    {
        var juliet = await LoginAsync(await Cluster.NewUserAsync("juliet"), C2s1, "balcony");
        var romeo = await LoginAsync(await Cluster.NewUserAsync("romeo"), C2s2, "orchard");
        await juliet.GetRosterAsync();
        await romeo.GetRosterAsync();
        return (juliet, romeo);
    }

    [Fact]
    public async Task Rfc6121_3_1_subscription_handshake_ends_in_both()
    {
        var (juliet, romeo) = await TwoInterestedAsync();

        // §3.1.1 UC: <presence to='romeo' type='subscribe' id='xk3h1v69'/>
        await juliet.SendAsync($"<presence to='{romeo.BareJid}' type='subscribe' id='xk3h1v69'><status>it's juliet</status></presence>");
        // §3.1.2 US -> UC: <iq type='set'><query><item jid='romeo' subscription='none' ask='subscribe'/></query></iq>
        await juliet.ExpectPushAsync(romeo.BareJid, "none", ask: "subscribe");
        // §3.1.3 CS -> CC: <presence from='juliet' (bare) to='romeo' type='subscribe' id='xk3h1v69'/>
        var request = await romeo.ExpectPresenceAsync(juliet.BareJid, "subscribe");
        Assert.Equal((romeo.BareJid, "xk3h1v69", "it's juliet"), (request.Attr("to"), request.Attr("id"), request.Elements().Single().Value));

        // §3.1.4 CC: <presence to='juliet' type='subscribed' id='h4v1c4kj'/>
        await romeo.SendAsync($"<presence to='{juliet.BareJid}' type='subscribed' id='h4v1c4kj'/>");
        await romeo.ExpectPushAsync(juliet.BareJid, "from");                       // §3.1.5
        var approval = await juliet.ExpectPresenceAsync(romeo.BareJid, "subscribed"); // §3.1.6
        Assert.Equal("h4v1c4kj", approval.Attr("id"));
        await juliet.ExpectPushAsync(romeo.BareJid, "to");
        await juliet.ExpectPresenceAsync(romeo.Jid);                                // §3.1.5: romeo's available resource

        // and back: romeo subscribes to juliet, juliet approves
        await romeo.SendAsync($"<presence to='{juliet.BareJid}' type='subscribe'/>");
        await romeo.ExpectPushAsync(juliet.BareJid, "from", ask: "subscribe");
        await juliet.ExpectPresenceAsync(romeo.BareJid, "subscribe");
        await juliet.SendAsync($"<presence to='{romeo.BareJid}' type='subscribed'/>");
        await juliet.ExpectPushAsync(romeo.BareJid, "both");
        await romeo.ExpectPushAsync(juliet.BareJid, "both");
        await romeo.ExpectPresenceAsync(juliet.BareJid, "subscribed");
        await romeo.ExpectPresenceAsync(juliet.Jid);

        foreach (var (client, contact) in new[] { (juliet, romeo), (romeo, juliet) })
        {
            var item = (await client.GetRosterAsync()).Descendants(R + "item").Single();
            Assert.Equal((contact.BareJid, "both", null), (item.Attr("jid"), item.Attr("subscription"), item.Attr("ask")));
        }
    }

    [Fact]
    public async Task Rfc6121_3_1_3_a_pending_request_is_delivered_again_at_every_login_until_answered()
    {
        var juliet = await LoginAsync(await Cluster.NewUserAsync("juliet"), C2s1);
        var romeoAccount = await Cluster.NewUserAsync("romeo"); // offline
        await juliet.SendAsync($"<presence to='{romeoAccount.Jid}' type='subscribe' id='while-away'/>");
        await juliet.PingServerAsync();

        for (var login = 1; login <= 2; login++)
        {
            var romeo = await LoginAsync(romeoAccount, login == 1 ? C2s2 : C2s1, $"login{login}", presence: false);
            await romeo.PingServerAsync();
            Assert.DoesNotContain(romeo.History, s => s.IsPresence()); // nothing before initial presence
            await romeo.SendPresenceAsync();
            var request = await romeo.ExpectPresenceAsync(juliet.BareJid, "subscribe");
            Assert.Equal("while-away", request.Attr("id"));
            await romeo.LogoutAsync();
        }

        var answering = await LoginAsync(romeoAccount, C2s2, "answering");
        await answering.ExpectPresenceAsync(juliet.BareJid, "subscribe");
        await answering.SendAsync($"<presence to='{juliet.BareJid}' type='subscribed'/>");
        await juliet.ExpectPresenceAsync(romeoAccount.Jid, "subscribed");
        await answering.LogoutAsync();

        var later = await LoginAsync(romeoAccount, C2s1, "later");
        await AssertNothingAsync(later, later, s => s.IsPresence() && s.Attr("type") == "subscribe", "the request it already answered");
    }

    [Fact]
    public async Task Rfc6121_3_4_pre_approval_approves_the_later_request_without_asking()
    {
        var (juliet, romeo) = await TwoInterestedAsync();

        // §3.4.1 UC: <presence to='romeo' type='subscribed'/> before any request: a pre-approval
        await juliet.SendAsync($"<presence to='{romeo.BareJid}' type='subscribed'/>");
        await juliet.ExpectPushAsync(romeo.BareJid, "none", approved: true);
        await AssertNothingAsync(juliet, romeo, s => s.IsPresence() && s.Attr("from") == juliet.BareJid, "the pre-approval");

        // §3.4.2: romeo's request is approved by the server; juliet is not asked
        await romeo.SendAsync($"<presence to='{juliet.BareJid}' type='subscribe'/>");
        await romeo.ExpectPresenceAsync(juliet.BareJid, "subscribed");
        await romeo.ExpectPushAsync(juliet.BareJid, "to");
        await romeo.ExpectPresenceAsync(juliet.Jid);
        await juliet.ExpectPushAsync(romeo.BareJid, "from");
        await AssertNothingAsync(romeo, juliet, s => s.IsPresence() && s.Attr("type") == "subscribe", "romeo's request (it was pre-approved)");
    }

    [Fact]
    public async Task Rfc6121_A_duplicate_requests_and_stray_answers_are_not_delivered_and_change_nothing()
    {
        var (juliet, romeo) = await TwoInterestedAsync();
        await juliet.SendAsync($"<presence to='{romeo.BareJid}' type='subscribe' id='first'/>");
        await romeo.ExpectPresenceAsync(juliet.BareJid, "subscribe");

        // A.3.1 "None + Pending In": a second subscribe is not delivered
        await juliet.SendAsync($"<presence to='{romeo.BareJid}' type='subscribe' id='second'/>");
        await AssertNothingAsync(juliet, romeo, s => s.Attr("id") == "second", "the duplicate request");
        // A.2.4 "None": an unsubscribed that denies nothing and cancels nothing is not routed
        var mercutio = await LoginAsync(await Cluster.NewUserAsync("mercutio"), C2s1);
        await mercutio.SendAsync($"<presence to='{romeo.BareJid}' type='unsubscribed' id='stray1'/>");
        // A.3.2 "None": an unsubscribe from someone who was never subscribed is not delivered
        await mercutio.SendAsync($"<presence to='{juliet.BareJid}' type='unsubscribe' id='stray2'/>");
        await AssertNothingAsync(mercutio, romeo, s => s.Attr("id") == "stray1", "a stray unsubscribed");
        await AssertNothingAsync(mercutio, juliet, s => s.Attr("id") == "stray2", "a stray unsubscribe");

        var items = (await juliet.GetRosterAsync()).Descendants(R + "item").ToArray();
        Assert.Equal((romeo.BareJid, "none", "subscribe"), (items.Single().Attr("jid"), items.Single().Attr("subscription"), items.Single().Attr("ask")));
        Assert.Empty((await romeo.GetRosterAsync()).Descendants(R + "item")); // a pending request is no roster item
    }

    [Fact]
    public async Task Rfc6121_3_2_unsubscribed_cancels_the_contacts_subscription_and_it_sees_the_user_go_unavailable()
    {
        var (juliet, romeo) = await TwoInterestedAsync();
        await MakeMutualAsync(juliet, romeo);

        // §3.2.1 UC: <presence to='romeo' type='unsubscribed'/>
        await juliet.SendAsync($"<presence to='{romeo.BareJid}' type='unsubscribed'/>");
        await juliet.ExpectPushAsync(romeo.BareJid, "to");
        await romeo.ExpectPushAsync(juliet.BareJid, "from");
        await romeo.ExpectPresenceAsync(juliet.BareJid, "unsubscribed");
        await romeo.ExpectPresenceAsync(juliet.Jid, "unavailable"); // §3.2.2

        await juliet.SendAsync("<presence><show>away</show></presence>");
        await AssertNothingAsync(juliet, romeo, s => s.IsPresence() && s.Attr("from") == juliet.Jid && s.Attr("type") is null && s.Elements().Any(),
            "juliet's presence after she cancelled his subscription");
    }

    [Fact]
    public async Task Rfc6121_3_3_unsubscribe_ends_the_users_subscription_and_the_user_sees_the_contact_go_unavailable()
    {
        var (juliet, romeo) = await TwoInterestedAsync();
        await MakeMutualAsync(juliet, romeo);

        // §3.3.1 UC: <presence to='romeo' type='unsubscribe'/>
        await juliet.SendAsync($"<presence to='{romeo.BareJid}' type='unsubscribe'/>");
        await juliet.ExpectPushAsync(romeo.BareJid, "from");
        await romeo.ExpectPresenceAsync(juliet.BareJid, "unsubscribe");
        await romeo.ExpectPushAsync(juliet.BareJid, "to");
        await juliet.ExpectPresenceAsync(romeo.Jid, "unavailable"); // §3.3.3
    }

    [Fact]
    public async Task Rfc6121_2_5_2_removing_a_mutual_contact_sends_unsubscribe_and_unsubscribed()
    {
        var (juliet, romeo) = await TwoInterestedAsync();
        await MakeMutualAsync(juliet, romeo);

        Assert.Equal("result", (await juliet.SetRosterAsync($"<item jid='{romeo.BareJid}' subscription='remove'/>")).Attr("type"));

        await juliet.ExpectPushAsync(romeo.BareJid, "remove");
        await romeo.ExpectPresenceAsync(juliet.BareJid, "unsubscribe");
        await romeo.ExpectPresenceAsync(juliet.BareJid, "unsubscribed");
        await romeo.ExpectPushAsync(juliet.BareJid, "none");
        await romeo.ExpectPresenceAsync(juliet.Jid, "unavailable");
        await juliet.ExpectPresenceAsync(romeo.Jid, "unavailable");
    }

    [Fact]
    public async Task Rfc6121_8_5_1_subscription_stanzas_to_unknown_users_are_ignored_and_to_oneself_refused()
    {
        var juliet = await LoginAsync(await Cluster.NewUserAsync("juliet"), C2s1);

        await juliet.SendAsync("<presence to='nobody-here@localhost' type='subscribe' id='ghost'/>");
        await AssertNothingAsync(juliet, juliet, s => s.Attr("id") == "ghost", "an answer about a user that does not exist");

        await juliet.SendAsync($"<presence to='{juliet.BareJid}' type='subscribe' id='self'/>");
        var error = await juliet.ExpectAsync(s => s.IsPresence() && s.Attr("id") == "self");
        Assert.Equal(("error", "not-allowed"), (error.Attr("type"), error.ErrorCondition()));
    }
}
