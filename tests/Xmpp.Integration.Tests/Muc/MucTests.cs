using System.Xml.Linq;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Muc;

/// <summary>
/// Issue 21, XEP-0045 through real processes: router, sm, two c2s and xmpp-muc (conference.localhost).
/// Clients on both c2s enter a room, chat, are moderated, read the room's archive (XEP-0313), ping
/// themselves (XEP-0410), and leave it by going offline.
/// </summary>
[Collection(MucCollection.Name)]
public sealed class MucTests(MucClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    private static string NewRoom(string name) => $"{name}-{Guid.NewGuid():N}"[..20] + "@" + Cluster.MucDomain;

    [Fact]
    public async Task Three_clients_on_two_c2s_chat_in_a_room_one_is_kicked_and_everyone_sees_307_and_a_late_joiner_reads_the_archive()
    {
        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), C2s1, "phone");
        var bob = await LoginAsync(await Cluster.NewUserAsync("bob"), C2s2, "laptop");
        var carol = await LoginAsync(await Cluster.NewUserAsync("carol"), C2s1, "desk");
        var room = NewRoom("chat");

        await alice.CreateInstantRoomAsync(room, "alice");
        var bobSelf = await bob.JoinAsync(room, "bob");
        Assert.Equal(("none", "participant"), (bobSelf.MucItem()!.Attr("affiliation"), bobSelf.MucItem()!.Attr("role")));
        // alice, a moderator, sees bob's real JID; bob saw alice (semi-anonymous: no JID) before his own presence
        var bobSeenByAlice = await alice.ExpectAsync(p => p.IsPresence() && p.IsFrom($"{room}/bob"));
        Assert.Equal(bob.Jid, bobSeenByAlice.MucItem()!.Attr("jid"));
        var aliceSeenByBob = bob.History.First(p => p.IsPresence() && p.IsFrom($"{room}/alice"));
        Assert.Equal(("owner", "moderator", null), (aliceSeenByBob.MucItem()!.Attr("affiliation"), aliceSeenByBob.MucItem()!.Attr("role"), aliceSeenByBob.MucItem()!.Attr("jid")));
        await carol.JoinAsync(room, "carol");
        await bob.ExpectAsync(p => p.IsPresence() && p.IsFrom($"{room}/carol"));

        // groupchat: every occupant (the sender too) gets it from the sender's occupant JID, with its occupant id and the room's stanza-id
        // (each sender waits for its own copy before the next speaks, so the room's order is the order they were said in)
        string[] said = ["hello from alice", "bob here", "carol too"];
        var speakers = new[] { alice, bob, carol };
        for (var i = 0; i < said.Length; i++)
        {
            await speakers[i].SayAsync(room, said[i]);
            foreach (var client in speakers)
            {
                var got = await client.ExpectGroupchatAsync(room, said[i]);
                Assert.Equal($"{room}/{speakers[i].Jid.Split('-')[0]}", got.Attr("from"));
                Assert.NotNull(got.OccupantId());
                Assert.Equal(room, (string?)got.Element(XName.Get("stanza-id", "urn:xmpp:sid:0"))?.Attribute("by"));
            }
        }

        // the owner kicks carol: she gets 307 and 110, the others 307
        var kick = await alice.IqAsync($"<iq type='set' to='{room}' id='kick-1'><query xmlns='{MucClient.Admin}'><item nick='carol' role='none'><reason>off topic</reason></item></query></iq>");
        Assert.Equal("result", kick.Attr("type"));
        var kicked = await carol.ExpectAsync(p => p.IsPresence() && p.IsFrom($"{room}/carol") && p.Attr("type") == "unavailable");
        Assert.Contains(307, kicked.StatusCodes());
        Assert.Contains(110, kicked.StatusCodes());
        Assert.Equal("off topic", kicked.MucItem()!.Element(XName.Get("reason", MucClient.User))?.Value);
        Assert.Equal("alice", (string?)kicked.MucItem()!.Element(XName.Get("actor", MucClient.User))?.Attribute("nick"));
        foreach (var client in new[] { alice, bob })
        {
            var seen = await client.ExpectAsync(p => p.IsPresence() && p.IsFrom($"{room}/carol") && p.Attr("type") == "unavailable");
            Assert.Equal([307], seen.StatusCodes());
            Assert.Equal("none", seen.MucItem()!.Attr("role"));
        }
        // she is out: her groupchat message is refused
        await carol.SendAsync($"<message to='{room}' type='groupchat' id='after-kick'><body>still here?</body></message>");
        var refused = await carol.ExpectAsync(m => m.IsMessage() && m.Attr("id") == "after-kick");
        Assert.Equal(("error", "not-acceptable"), (refused.Attr("type"), refused.ErrorCondition()));

        // a late joiner asks for no history on entering and reads the room's archive instead, a page at a time
        var dave = await LoginAsync(await Cluster.NewUserAsync("dave"), C2s2, "tablet");
        await dave.JoinAsync(room, "dave", history: "<history maxstanzas='0'/>");
        Assert.DoesNotContain(dave.History, m => m.IsMessage() && m.Body() is not null);
        var first = await QueryArchiveAsync(dave, room, "q1", "<set xmlns='http://jabber.org/protocol/rsm'><max>2</max></set>");
        Assert.Equal(said[..2], first.Bodies);
        Assert.Null(first.Fin.Attr("complete"));
        var last = first.Fin.Descendants(XName.Get("last", "http://jabber.org/protocol/rsm")).Single().Value;
        var rest = await QueryArchiveAsync(dave, room, "q2", $"<set xmlns='http://jabber.org/protocol/rsm'><max>2</max><after>{last}</after></set>");
        Assert.Equal(said[2..], rest.Bodies);
        Assert.Equal("true", rest.Fin.Attr("complete"));
        Assert.All(rest.Results, r => Assert.StartsWith(room + "/", r.Attr("from")));
    }

    private sealed record ArchivePage(string[] Bodies, XElement[] Results, XElement Fin);

    private static async Task<ArchivePage> QueryArchiveAsync(TestClient client, string room, string queryId, string rsm)
    {
        var answer = await client.IqAsync($"<iq type='set' to='{room}' id='{client.NewId("mam")}'><query xmlns='{MucClient.Mam}' queryid='{queryId}'>{rsm}</query></iq>");
        Assert.True(answer.Attr("type") == "result", answer.Text());
        // the results come before the iq result, from the room's bare JID
        var results = client.History.Where(m => m.IsMessage() && m.IsFrom(room) &&
            (string?)m.Element(XName.Get("result", MucClient.Mam))?.Attribute("queryid") == queryId)
            .Select(m => m.Descendants(XName.Get("message", "jabber:client")).Single()).ToArray();
        return new ArchivePage(results.Select(r => r.Body()!).ToArray(), results, answer.Element(XName.Get("fin", MucClient.Mam))!);
    }

    [Fact]
    public async Task A_client_that_goes_offline_leaves_the_room_and_the_others_see_it_unavailable()
    {
        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), C2s1, "phone");
        var bob = await LoginAsync(await Cluster.NewUserAsync("bob"), C2s2, "laptop");
        var carol = await LoginAsync(await Cluster.NewUserAsync("carol"), C2s2, "desk");
        var room = NewRoom("offline");
        await alice.CreateInstantRoomAsync(room, "alice");
        await bob.JoinAsync(room, "bob");
        await carol.JoinAsync(room, "carol");

        // bob closes his stream; carol's connection just drops (sm ends her session when c2s reports it)
        await bob.SendAsync("</stream:stream>");
        var bobLeft = await alice.ExpectAsync(p => p.IsPresence() && p.IsFrom($"{room}/bob") && p.Attr("type") == "unavailable", TimeSpan.FromSeconds(20));
        Assert.Equal("none", bobLeft.MucItem()!.Attr("role"));
        carol.Abort();
        await alice.ExpectAsync(p => p.IsPresence() && p.IsFrom($"{room}/carol") && p.Attr("type") == "unavailable", TimeSpan.FromSeconds(20));

        // the room no longer counts them: bob's nick is free again
        var bobAgain = await LoginAsync(await Cluster.NewUserAsync("bob2"), C2s1, "other");
        var self = await bobAgain.JoinAsync(room, "bob");
        Assert.Null(self.Attr("type"));
    }

    [Fact]
    public async Task The_service_is_listed_by_xmppctl_and_the_servers_disco_and_answers_disco_as_a_conference_service()
    {
        var listed = await Cluster.CtlAsync("components");
        Assert.Contains($"component/{Cluster.MucDomain} ", listed.Stdout);
        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), C2s1, "phone");
        var items = await alice.IqAsync($"<iq type='get' to='{Cluster.Domain}' id='server-items'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
        Assert.Contains(items.Descendants(), e => e.Name.LocalName == "item" && e.Attr("jid") == Cluster.MucDomain);
        var info = await alice.IqAsync($"<iq type='get' to='{Cluster.MucDomain}' id='muc-info'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
        var identity = info.Descendants().Single(e => e.Name.LocalName == "identity");
        Assert.Equal(("conference", "text"), (identity.Attr("category"), identity.Attr("type")));
        Assert.Contains(info.Descendants(), e => e.Name.LocalName == "feature" && e.Attr("var") == MucClient.Muc);
    }

    [Fact]
    public async Task An_occupant_pings_itself_xep_0410_and_a_non_occupant_gets_not_acceptable()
    {
        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), C2s1, "phone");
        var bob = await LoginAsync(await Cluster.NewUserAsync("bob"), C2s2, "laptop");
        var room = NewRoom("ping");
        await alice.CreateInstantRoomAsync(room, "alice");

        var own = await alice.IqAsync($"<iq type='get' to='{room}/alice' id='self-ping'><ping xmlns='urn:xmpp:ping'/></iq>");
        Assert.Equal("result", own.Attr("type"));
        var stranger = await bob.IqAsync($"<iq type='get' to='{room}/alice' id='stranger-ping'><ping xmlns='urn:xmpp:ping'/></iq>");
        Assert.Equal(("error", "not-acceptable"), (stranger.Attr("type"), stranger.ErrorCondition()));
    }

    [Fact]
    public async Task Nick_conflicts_nick_changes_and_occupant_ids_stable_per_user()
    {
        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), C2s1, "phone");
        var bob = await LoginAsync(await Cluster.NewUserAsync("bob"), C2s2, "laptop");
        var room = NewRoom("nicks");
        await alice.CreateInstantRoomAsync(room, "alice");

        var conflict = await bob.JoinAsync(room, "alice");
        Assert.Equal(("error", "conflict"), (conflict.Attr("type"), conflict.ErrorCondition()));
        var bobSelf = await bob.JoinAsync(room, "bob");
        var id = bobSelf.OccupantId();
        Assert.NotNull(id);

        await bob.SendAsync($"<presence to='{room}/robert'/>");
        var gone = await alice.ExpectAsync(p => p.IsPresence() && p.IsFrom($"{room}/bob") && p.Attr("type") == "unavailable");
        Assert.Equal([303], gone.StatusCodes());
        Assert.Equal("robert", gone.MucItem()!.Attr("nick"));
        var renamed = await alice.ExpectAsync(p => p.IsPresence() && p.IsFrom($"{room}/robert") && p.Attr("type") is null);
        Assert.Equal(id, renamed.OccupantId());
        var selfRenamed = await bob.ExpectAsync(p => p.IsPresence() && p.IsFrom($"{room}/robert"));
        Assert.Contains(110, selfRenamed.StatusCodes());
        var aliceId = alice.History.First(p => p.IsPresence() && p.IsFrom($"{room}/alice") && p.StatusCodes().Contains(110)).OccupantId();
        Assert.NotEqual(id, aliceId); // another user, another id
    }
}
