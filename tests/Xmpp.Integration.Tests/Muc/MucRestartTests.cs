using System.Xml.Linq;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Muc;

/// <summary>
/// Issue 21: killing the group chat process (kill -9) and starting it again keeps the persistent
/// rooms, their configuration, members and archive; occupants learn they were dropped by pinging
/// themselves (XEP-0410) and enter again. Its own cluster, since it kills a process.
/// </summary>
public sealed class MucRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_killed_muc_restarted_keeps_persistent_rooms_their_configuration_members_and_archive()
    {
        await using var cluster = await Cluster.StartAsync(new ClusterOptions { Muc = true });
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 120);
        var alice = await clients.LoginAsync(await cluster.NewUserAsync("alice"), cluster.C2s1Port, "phone");
        var bobAccount = await cluster.NewUserAsync("bob");
        var bob = await clients.LoginAsync(bobAccount, cluster.C2s2Port, "laptop");
        var carol = await clients.LoginAsync(await cluster.NewUserAsync("carol"), cluster.C2s2Port, "desk");
        var room = "team@" + Cluster.MucDomain;
        var temporary = "scratch@" + Cluster.MucDomain;

        await alice.JoinAsync(room, "alice");
        var configured = await alice.ConfigureAsync(room,
            ("muc#roomconfig_roomname", "The Team"), ("muc#roomconfig_roomdesc", "where we plan"),
            ("muc#roomconfig_persistentroom", "1"), ("muc#roomconfig_membersonly", "1"), ("muc#roomconfig_whois", "anyone"));
        Assert.Equal("result", configured.Attr("type"));
        var member = await alice.IqAsync($"<iq type='set' to='{room}' id='member-bob'><query xmlns='{MucClient.Admin}'><item jid='{bobAccount.Jid}' affiliation='member'/></query></iq>");
        Assert.Equal("result", member.Attr("type"));
        await bob.JoinAsync(room, "bob");
        await alice.SayAsync(room, "before the crash");
        await bob.ExpectGroupchatAsync(room, "before the crash");
        await alice.CreateInstantRoomAsync(temporary, "alice");

        cluster.Muc!.Kill9();
        await cluster.Muc.Exited.WaitAsync(TimeSpan.FromSeconds(20));
        await cluster.RestartMucAsync();
        await alice.WaitForServiceAsync(Cluster.MucDomain);

        // alice's self-ping says she is not in the room any more (the occupants went with the process)
        var ping = await alice.IqAsync($"<iq type='get' to='{room}/alice' id='after-restart'><ping xmlns='urn:xmpp:ping'/></iq>");
        Assert.Equal(("error", "not-acceptable"), (ping.Attr("type"), ping.ErrorCondition()));

        // the room and its configuration are there; the temporary room is not
        var info = await carol.IqAsync($"<iq type='get' to='{room}' id='info'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
        Assert.Equal("result", info.Attr("type"));
        var features = info.Descendants(XName.Get("feature", "http://jabber.org/protocol/disco#info")).Select(f => f.Attr("var")).ToArray();
        Assert.Contains("muc_persistent", features);
        Assert.Contains("muc_membersonly", features);
        Assert.Contains("muc_nonanonymous", features);
        Assert.Equal("The Team", info.Descendants(XName.Get("identity", "http://jabber.org/protocol/disco#info")).Single().Attr("name"));
        var gone = await carol.IqAsync($"<iq type='get' to='{temporary}' id='info-temp'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
        Assert.Equal(("error", "item-not-found"), (gone.Attr("type"), gone.ErrorCondition()));

        // members-only still holds: carol is refused, bob (a member) enters, alice is still owner
        var refused = await carol.JoinAsync(room, "carol");
        Assert.Equal(("error", "registration-required"), (refused.Attr("type"), refused.ErrorCondition()));
        var bobSelf = await bob.JoinAsync(room, "bob");
        Assert.Equal("member", bobSelf.MucItem()!.Attr("affiliation"));
        Assert.Contains(100, bobSelf.StatusCodes()); // whois anyone: non-anonymous
        var aliceSelf = await alice.JoinAsync(room, "alice");
        Assert.Equal("owner", aliceSelf.MucItem()!.Attr("affiliation"));

        // the archive survived too, and the room's history goes to who enters
        Assert.Contains(bob.History, m => m.IsMessage() && m.Body() == "before the crash" && m.DelayStamp() is not null);
        var answer = await alice.IqAsync($"<iq type='set' to='{room}' id='mam'><query xmlns='{MucClient.Mam}' queryid='after'/></iq>");
        Assert.Equal("result", answer.Attr("type"));
        Assert.Contains(alice.History, m => m.IsMessage() && m.IsFrom(room) && m.Descendants(XName.Get("body", "jabber:client")).Any(b => b.Value == "before the crash"));

        // a graceful stop (SIGTERM) tells the occupants first: 332, system shutdown
        Assert.Equal(0, await cluster.Muc!.TerminateAsync(TimeSpan.FromSeconds(20)));
        var shutdown = await bob.ExpectAsync(p => p.IsPresence() && p.IsFrom($"{room}/bob") && p.Attr("type") == "unavailable");
        Assert.Equal([332, 110], shutdown.StatusCodes());
    }
}
