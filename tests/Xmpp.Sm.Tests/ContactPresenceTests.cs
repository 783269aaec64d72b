using Xmpp.Protos;
using static Xmpp.Sm.Tests.ImAssertions;
using static Xmpp.Sm.Tests.SmHarness;

namespace Xmpp.Sm.Tests;

/// <summary>RFC 6121 §4 between contacts: broadcast, probes, directed presence, unavailable when sessions end.</summary>
public sealed class ContactPresenceTests : IDisposable
{
    private readonly SmHarness _h = new();

    public ContactPresenceTests()
    {
        _h.CreateUser("alice");
        _h.CreateUser("bob");
        _h.CreateUser("carol");
    }

    public void Dispose() => _h.Dispose();

    /// <summary>alice and bob subscribed both ways; alice goes offline again.</summary>
    private Client MutualWithBobOnline(string show = "away")
    {
        var alice = _h.OnlineInterested("alice@localhost/setup");
        var bob = _h.OnlineInterested("bob@localhost/pc", c2s: C2s2);
        _h.MakeMutual(alice, bob);
        _h.Handle(End(alice));
        _h.Send(bob, $"<presence><show>{show}</show></presence>");
        _h.Take();
        return bob;
    }

    [Fact]
    public void Initial_presence_goes_to_subscribed_contacts_and_probes_answer_with_their_presence()
    {
        var bob = MutualWithBobOnline();
        var bobIdle = _h.Start("bob@localhost/idle"); // connected, never available

        var alice = _h.Start("alice@localhost/phone");
        var frames = _h.Send(alice, "<presence><status>back</status></presence>");

        // §4.2.2: to bob's available resource only, addressed to his bare JID
        var toBob = SinglePresence(frames, bob);
        AssertPresence(toBob, "alice@localhost/phone", "bob@localhost", null);
        Assert.Equal("back", toBob.Element(C("status"))!.Value);
        Assert.Empty(StanzasTo(frames, bobIdle));
        // §4.3.2: the probe is answered with bob's last presence, to alice's new resource
        var fromBob = Assert.Single(Presences(frames, alice), p => (string?)p.Attribute("from") == "bob@localhost/pc");
        Assert.Equal("alice@localhost/phone", (string?)fromBob.Attribute("to"));
        Assert.Equal("away", fromBob.Element(C("show"))!.Value);
    }

    [Fact]
    public void A_probe_of_an_offline_contact_is_answered_unavailable_from_the_bare_jid()
    {
        var bob = MutualWithBobOnline();
        _h.Handle(End(bob));

        var alice = _h.Start("alice@localhost/phone");
        var frames = _h.Send(alice, "<presence/>");

        var answer = Assert.Single(Presences(frames, alice, "unavailable"));
        AssertPresence(answer, "bob@localhost", "alice@localhost/phone", "unavailable");
    }

    [Fact]
    public void A_client_probe_is_answered_for_subscribers_and_with_unsubscribed_processing_for_others()
    {
        var bob = MutualWithBobOnline();
        var alice = _h.Online("alice@localhost/phone");
        var carol = _h.OnlineInterested("carol@localhost/tab");

        var answer = SinglePresence(_h.Send(alice, "<presence to='bob@localhost' type='probe' id='pr1'/>"), alice);
        AssertPresence(answer, "bob@localhost/pc", "alice@localhost/phone", null);

        // carol is not subscribed: no presence leaks; the 'unsubscribed' changes nothing on her side (A.3.4 None), so nothing arrives
        Assert.Empty(_h.Send(carol, "<presence to='bob@localhost' type='probe'/>"));
        Assert.Empty(_h.Send(carol, "<presence to='nobody@localhost' type='probe'/>"));
        Assert.NotNull(bob);
    }

    [Fact]
    public void Presence_updates_and_unavailable_reach_subscribed_contacts_but_not_others()
    {
        var bob = MutualWithBobOnline();
        var alice = _h.Online("alice@localhost/phone");
        var carol = _h.Online("carol@localhost/tab");

        var frames = _h.Send(alice, "<presence><show>dnd</show></presence>"); // §4.4
        Assert.Equal("dnd", SinglePresence(frames, bob).Element(C("show"))!.Value);
        Assert.Empty(StanzasTo(frames, carol));

        frames = _h.Send(alice, "<presence type='unavailable'><status>gone</status></presence>"); // §4.5
        var unavailable = SinglePresence(frames, bob, "unavailable");
        AssertPresence(unavailable, "alice@localhost/phone", "bob@localhost", "unavailable");
        Assert.Equal("gone", unavailable.Element(C("status"))!.Value);
        Assert.Empty(StanzasTo(frames, carol));

        // an unavailable resource gets no broadcasts (§4.5.3)
        Assert.Empty(StanzasTo(_h.Send(bob, "<presence><show>chat</show></presence>"), alice));
    }

    [Theory]
    [InlineData("end")]
    [InlineData("c2s-down")]
    [InlineData("conflict")]
    public void A_session_that_ends_without_unavailable_is_seen_unavailable_by_contacts(string how)
    {
        var bob = MutualWithBobOnline();
        var alice = _h.Online("alice@localhost/phone");

        var frames = how switch
        {
            "end" => _h.Handle(End(alice)),
            "c2s-down" => _h.Handle(new Frame { From = "router", Component = new ComponentEvent { Address = C2s1, Up = false } }),
            _ => StartConflict(),
        };

        AssertPresence(SinglePresence(frames, bob, "unavailable"), "alice@localhost/phone", "bob@localhost", "unavailable");

        List<Frame> StartConflict()
        {
            _h.Start("alice@localhost/phone", C2s2);
            return _h.Take();
        }
    }

    [Fact]
    public void Directed_presence_is_remembered_and_undone_at_logout_and_at_unavailable_broadcast()
    {
        var alice = _h.Online("alice@localhost/phone");
        var carol = _h.Online("carol@localhost/tab", c2s: C2s2);

        // §4.6: carol is not subscribed; alice tells her directly
        AssertPresence(SinglePresence(_h.Send(alice, "<presence to='carol@localhost'><show>chat</show></presence>"), carol), "alice@localhost/phone", "carol@localhost", null);
        // a broadcast does not reach her ...
        Assert.Empty(StanzasTo(_h.Send(alice, "<presence><show>away</show></presence>"), carol));
        // ... but the unavailable broadcast does (§4.6.3), once
        var frames = _h.Send(alice, "<presence type='unavailable'/>");
        AssertPresence(SinglePresence(frames, carol, "unavailable"), "alice@localhost/phone", "carol@localhost", "unavailable");
        Assert.Empty(StanzasTo(_h.Handle(End(alice)), carol));

        // at logout without unavailable
        var alice2 = _h.Online("alice@localhost/laptop");
        _h.Send(alice2, "<presence to='carol@localhost/tab'/>");
        AssertPresence(SinglePresence(_h.Handle(End(alice2)), carol, "unavailable"), "alice@localhost/laptop", "carol@localhost/tab", "unavailable");

        // a directed unavailable forgets the entity
        var alice3 = _h.Online("alice@localhost/tablet");
        _h.Send(alice3, "<presence to='carol@localhost'/>");
        _h.Send(alice3, "<presence to='carol@localhost' type='unavailable'/>");
        Assert.Empty(StanzasTo(_h.Handle(End(alice3)), carol));
    }

    [Fact]
    public void Subscription_requests_go_to_available_resources_and_pushes_to_interested_ones()
    {
        var alice = _h.OnlineInterested("alice@localhost/phone");
        var available = _h.Online("bob@localhost/available");          // available, not interested
        var interested = _h.Interested(_h.Start("bob@localhost/interested")); // interested, not available

        var frames = _h.Send(alice, "<presence to='bob@localhost' type='subscribe'/>");
        Assert.Single(Presences(frames, available, "subscribe"));
        Assert.Empty(StanzasTo(frames, interested));

        frames = _h.Send(interested, "<presence to='alice@localhost' type='subscribed'/>");
        AssertItem(SinglePush(frames, interested), "alice@localhost", "from");
        Assert.Empty(Pushes(frames, available));
    }
}
