using Xmpp.Common;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;
using static Xmpp.Integration.Tests.Rfc6121.ImClient;

namespace Xmpp.Integration.Tests.Rfc6121;

/// <summary>RFC 6121 §4 presence between contacts on two c2s instances, over real sockets.</summary>
public sealed class Rfc6121PresenceTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    /// <summary>juliet (c2s-1) and romeo (c2s-2), subscribed both ways, both available.</summary>
    private async Task<(Account Juliet, TestClient JulietClient, TestClient Romeo)> MutualAsync()
    {
        var julietAccount = await Cluster.NewUserAsync("juliet");
        var juliet = await LoginAsync(julietAccount, C2s1, "balcony");
        var romeo = await LoginAsync(await Cluster.NewUserAsync("romeo"), C2s2, "orchard");
        await MakeMutualAsync(juliet, romeo);
        return (julietAccount, juliet, romeo);
    }

    [Fact]
    public async Task Rfc6121_4_2_initial_presence_goes_to_contacts_and_own_resources_and_probes_bring_the_contacts_presence()
    {
        var (julietAccount, balcony, romeo) = await MutualAsync();
        await romeo.SendAsync("<presence><show>away</show><status>in the orchard</status></presence>");
        await balcony.ExpectAsync(s => s.IsPresence() && s.Attr("from") == romeo.Jid && s.Child(Ns.Client, "show")?.Value == "away");

        var chamber = await LoginAsync(julietAccount, C2s2, "chamber", presence: false);
        var idle = await LoginAsync(julietAccount, C2s1, "idle", presence: false); // connected, never available
        // UC: <presence><priority>1</priority></presence>
        await chamber.SendAsync("<presence><priority>1</priority></presence>");

        // §4.2.2: to the contact (to his bare JID) and to the user's available resources, itself included
        var toRomeo = await romeo.ExpectPresenceAsync(chamber.Jid);
        Assert.Equal(romeo.BareJid, toRomeo.Attr("to"));
        await balcony.ExpectPresenceAsync(chamber.Jid);
        await chamber.ExpectPresenceAsync(chamber.Jid);
        // §4.3.2: the server answers the probe for romeo with his last presence, to the new resource
        var probeAnswer = await chamber.ExpectPresenceAsync(romeo.Jid);
        Assert.Equal((chamber.Jid, "away", "in the orchard"), (probeAnswer.Attr("to"), probeAnswer.Child(Ns.Client, "show")?.Value, probeAnswer.Child(Ns.Client, "status")?.Value));
        // the new resource also learns about the user's other available resource
        await chamber.ExpectPresenceAsync(balcony.Jid);
        // §4.5.3 / §8.5.2.1.2: a resource without initial presence gets no presence at all
        await AssertNothingAsync(chamber, idle, s => s.IsPresence(), "presence (it never sent initial presence)");
    }

    [Fact]
    public async Task Rfc6121_4_3_2_a_probe_of_an_offline_contact_is_answered_unavailable_and_a_strangers_probe_learns_nothing()
    {
        var (julietAccount, balcony, romeo) = await MutualAsync();
        await balcony.LogoutAsync();
        await romeo.ExpectPresenceAsync(balcony.Jid, "unavailable");
        await romeo.LogoutAsync();

        var again = await LoginAsync(julietAccount, C2s1, "again");
        // CS: <presence from='romeo' to='juliet/again' type='unavailable'/>
        var answer = await again.ExpectPresenceAsync(romeo.BareJid, "unavailable");
        Assert.Equal(again.Jid, answer.Attr("to"));

        // a client probe from someone romeo shares no presence with: no presence, and nothing changes for her
        var stranger = await LoginAsync(await Cluster.NewUserAsync("rosaline"), C2s2);
        await stranger.SendAsync($"<presence to='{julietAccount.Jid}' type='probe' id='peek'/>");
        await AssertNothingAsync(stranger, stranger, s => s.IsPresence() && s.Attr("from")?.StartsWith(julietAccount.Jid) == true,
            "juliet's presence (she is not subscribed)");
    }

    [Fact]
    public async Task Rfc6121_4_4_subsequent_presence_reaches_contacts_and_priority_is_kept_per_resource()
    {
        var (julietAccount, balcony, romeo) = await MutualAsync();
        var chamber = await LoginAsync(julietAccount, C2s2, "chamber");
        await romeo.ExpectPresenceAsync(chamber.Jid);

        await balcony.SendAsync("<presence><show>dnd</show><priority>5</priority></presence>");
        var update = await romeo.ExpectAsync(s => s.IsPresence() && s.Attr("from") == balcony.Jid && s.Child(Ns.Client, "show")?.Value == "dnd");
        Assert.Equal("5", update.Child(Ns.Client, "priority")?.Value);

        // priority 5 on balcony, 0 on chamber: a message to the bare JID goes to balcony only (§8.5.2.1.1)
        await romeo.SendAsync($"<message to='{julietAccount.Jid}' type='chat' id='p5'><body>to the highest</body></message>");
        await balcony.ExpectAsync(s => s.IsMessage() && s.Attr("id") == "p5");
        await AssertNothingAsync(romeo, chamber, s => s.IsMessage() && s.Attr("id") == "p5", "the message (lower priority)");

        await chamber.SendAsync("<presence><priority>9</priority></presence>");
        await romeo.ExpectAsync(s => s.IsPresence() && s.Attr("from") == chamber.Jid && s.Child(Ns.Client, "priority")?.Value == "9");
        await romeo.SendAsync($"<message to='{julietAccount.Jid}' type='chat' id='p9'><body>now to the chamber</body></message>");
        await chamber.ExpectAsync(s => s.IsMessage() && s.Attr("id") == "p9");
        await AssertNothingAsync(romeo, balcony, s => s.IsMessage() && s.Attr("id") == "p9", "the message (now lower priority)");
    }

    [Fact]
    public async Task Rfc6121_4_5_unavailable_reaches_contacts_when_sent_and_when_the_stream_ends()
    {
        var (julietAccount, balcony, romeo) = await MutualAsync();

        // UC: <presence type='unavailable'><status>sleeping</status></presence>
        await balcony.SendAsync("<presence type='unavailable'><status>sleeping</status></presence>");
        var unavailable = await romeo.ExpectPresenceAsync(balcony.Jid, "unavailable");
        Assert.Equal("sleeping", unavailable.Child(Ns.Client, "status")?.Value);
        // ... after which the unavailable resource gets no broadcasts
        await romeo.SendAsync("<presence><show>chat</show></presence>");
        await AssertNothingAsync(romeo, balcony, s => s.IsPresence() && s.Child(Ns.Client, "show")?.Value == "chat", "romeo's presence (it is unavailable)");

        // a stream closed without unavailable presence (§4.5.2: the server sends it)
        var chamber = await LoginAsync(julietAccount, C2s2, "chamber");
        await romeo.ExpectPresenceAsync(chamber.Jid);
        await chamber.LogoutAsync();
        await romeo.ExpectPresenceAsync(chamber.Jid, "unavailable");
    }

    [Fact]
    public async Task Rfc6121_4_5_2_a_client_that_drops_its_connection_without_closing_the_stream_is_seen_unavailable()
    {
        var (_, balcony, romeo) = await MutualAsync();

        balcony.DropConnection(); // TCP reset: no unavailable presence, no </stream:stream>

        var unavailable = await romeo.ExpectPresenceAsync(balcony.Jid, "unavailable", TimeSpan.FromSeconds(20));
        Assert.Equal(romeo.BareJid, unavailable.Attr("to"));
    }

    [Fact]
    public async Task Rfc6121_4_6_directed_presence_is_undone_with_unavailable_at_logout_and_at_unavailable_broadcast()
    {
        var julietAccount = await Cluster.NewUserAsync("juliet");
        var balcony = await LoginAsync(julietAccount, C2s1, "balcony");
        var nurse = await (await LoginAsync(await Cluster.NewUserAsync("nurse"), C2s2, "kitchen")).AvailableAsync(); // no subscription either way

        // UC: <presence to='nurse'><show>chat</show></presence>
        await balcony.SendAsync($"<presence to='{nurse.BareJid}'><show>chat</show></presence>");
        await nurse.ExpectAsync(s => s.IsPresence() && s.Attr("from") == balcony.Jid && s.Child(Ns.Client, "show")?.Value == "chat");
        // a broadcast does not reach her ...
        await balcony.SendAsync("<presence><show>away</show></presence>");
        await AssertNothingAsync(balcony, nurse, s => s.IsPresence() && s.Child(Ns.Client, "show")?.Value == "away", "juliet's broadcast (she is no contact)");
        // ... the unavailable broadcast does (§4.6.3)
        await balcony.SendAsync("<presence type='unavailable'/>");
        await nurse.ExpectPresenceAsync(balcony.Jid, "unavailable");

        // and at logout without an unavailable presence
        var chamber = await LoginAsync(julietAccount, C2s2, "chamber");
        await chamber.SendAsync($"<presence to='{nurse.Jid}'/>");
        await nurse.ExpectPresenceAsync(chamber.Jid);
        await chamber.LogoutAsync();
        var undone = await nurse.ExpectPresenceAsync(chamber.Jid, "unavailable");
        Assert.Equal(nurse.Jid, undone.Attr("to"));
    }

    [Fact]
    public async Task Rfc6121_4_presence_errors_are_delivered_and_never_answered_and_presence_to_unknown_users_is_ignored()
    {
        var (_, balcony, romeo) = await MutualAsync();

        // a client's presence error (RFC 6120 §8.3) is delivered to the entity it answers ...
        await romeo.SendAsync($"<presence to='{balcony.Jid}' type='error' id='e1'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>");
        var error = await balcony.ExpectAsync(s => s.IsPresence() && s.Attr("id") == "e1");
        Assert.Equal("service-unavailable", error.ErrorCondition());
        // ... and an error to nobody is never answered with an error
        await romeo.SendAsync("<presence to='ghost@localhost/x' type='error' id='e2'><error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>");
        // §8.5.1: presence to an account that does not exist is silently ignored
        await romeo.SendAsync("<presence to='ghost@localhost' id='e3'/>");
        await AssertNothingAsync(romeo, romeo, s => s.Attr("id") is "e2" or "e3", "an answer to presence for nobody");
    }
}
