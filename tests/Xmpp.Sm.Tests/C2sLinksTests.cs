using Google.Protobuf;
using Microsoft.Extensions.Time.Testing;
using Xmpp.Protos;
using Xmpp.Sm.Core;
using Action = Xmpp.Protos.Session.Types.Action;

namespace Xmpp.Sm.Tests;

/// <summary>
/// Issue 20: sm keeps its sessions through a router restart (its own link dropping), resyncs with
/// each c2s (SYNC), holds frames for a c2s that has not linked again yet, and ends the sessions of
/// a c2s only when the router says it left or it does not come back within Sm:C2sGracePeriod.
/// </summary>
public sealed class C2sLinksTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new();
    private readonly SmHarness _h;

    public C2sLinksTests()
    {
        _h = new SmHarness(o => o.C2sGracePeriod = TimeSpan.FromSeconds(30), _clock);
        _h.CreateUser("alice");
        _h.CreateUser("bob");
    }

    public void Dispose() => _h.Dispose();

    private static Frame Component(string address, bool up) => new() { From = "router", Component = new ComponentEvent { Address = address, Up = up } };

    [Fact]
    public void A_c2s_the_router_says_left_loses_its_sessions_at_once()
    {
        _h.Start("alice@localhost/phone", SmHarness.C2s1);
        _h.Handle(Component(SmHarness.C2s1, up: false));
        Assert.Equal(0, _h.Sm.Sessions.Count);
    }

    [Fact]
    public void After_sm_relinked_sessions_are_kept_while_their_c2s_has_the_grace_period_and_end_after_it()
    {
        _h.Start("alice@localhost/phone", SmHarness.C2s1);
        _h.Handle(SessionManager.RelinkedFrame);
        _clock.Advance(TimeSpan.FromSeconds(29));
        _h.Handle(SessionManager.TickFrame);
        Assert.Equal(1, _h.Sm.Sessions.Count);
        _clock.Advance(TimeSpan.FromSeconds(2));
        _h.Handle(SessionManager.TickFrame);
        Assert.Equal(0, _h.Sm.Sessions.Count);
    }

    [Fact]
    public void A_c2s_that_links_again_within_the_grace_period_keeps_its_sessions()
    {
        _h.Start("alice@localhost/phone", SmHarness.C2s1);
        _h.Handle(SessionManager.RelinkedFrame);
        _h.Handle(Component(SmHarness.C2s1, up: true));
        _clock.Advance(TimeSpan.FromMinutes(5));
        _h.Handle(SessionManager.TickFrame);
        Assert.Equal(1, _h.Sm.Sessions.Count);
    }

    [Fact]
    public void When_the_router_stops_the_c2s_links_it_ends_are_not_a_loss()
    {
        _h.Start("alice@localhost/phone", SmHarness.C2s1);
        _h.Handle(Component("router", up: false));
        _h.Handle(Component(SmHarness.C2s1, up: false));
        Assert.Equal(1, _h.Sm.Sessions.Count);
    }

    [Fact]
    public void A_frame_returned_for_a_c2s_not_back_yet_waits_and_goes_out_when_it_links()
    {
        var bob = _h.Start("bob@localhost/desk", SmHarness.C2s2);
        _h.Handle(SessionManager.RelinkedFrame);
        var packet = new Packet { C2SSession = bob.C2sSession, SmSession = bob.SmSession, Kind = "message", Type = "chat",
            Stanza = ByteString.CopyFromUtf8("<message xmlns='jabber:client' to='bob@localhost/desk' from='alice@localhost/phone' type='chat'><body>hi</body></message>") };
        // The router could not deliver it: c2s-2 is not bound yet (a returned frame comes from where it was going).
        var returned = _h.Handle(new Frame { To = SmHarness.SmAddress, From = SmHarness.C2s2, Packet = packet,
            RouteError = new RouteError { Code = RouteError.Types.Code.RouteUnknown, Reason = "no component bound to c2s/c2s-2" } });
        Assert.Empty(returned); // not stored offline, not answered with an error: it waits
        Assert.Equal(1, _h.Sm.Sessions.Count);

        var sent = _h.Handle(Component(SmHarness.C2s2, up: true));
        var again = Assert.Single(sent);
        Assert.Equal(SmHarness.C2s2, again.To);
        Assert.Equal("hi", System.Xml.Linq.XElement.Parse(again.Packet.Stanza.ToStringUtf8()).Value);
        Assert.Null(again.RouteError);
    }

    [Fact]
    public void Sync_answers_the_sessions_sm_does_not_hold_and_ends_those_the_c2s_did_not_name()
    {
        var alice = _h.Start("alice@localhost/phone", SmHarness.C2s1);
        var stale = _h.Start("bob@localhost/old", SmHarness.C2s1);
        var sync = new Session { Action = Action.Sync };
        sync.Sessions.Add(new SessionEntry { C2SSession = alice.C2sSession, SmSession = alice.SmSession, Target = alice.Jid });
        sync.Sessions.Add(new SessionEntry { C2SSession = "99", SmSession = "gone", Target = "bob@localhost/desk" });

        var answer = _h.Request(SmHarness.C2s1, sync);

        Assert.Equal(Action.Synced, answer.Session.Action);
        var unknown = Assert.Single(answer.Session.Sessions);
        Assert.Equal("99", unknown.C2SSession);
        Assert.NotNull(_h.Sm.Sessions.Find(alice.SmSession));
        Assert.Null(_h.Sm.Sessions.Find(stale.SmSession)); // c2s no longer has it
    }

    [Fact]
    public void A_chunked_sync_ends_unnamed_sessions_only_after_the_last_chunk()
    {
        var alice = _h.Start("alice@localhost/phone", SmHarness.C2s1);
        var bob = _h.Start("bob@localhost/desk", SmHarness.C2s1);
        var first = new Session { Action = Action.Sync, More = true };
        first.Sessions.Add(new SessionEntry { C2SSession = alice.C2sSession, SmSession = alice.SmSession, Target = alice.Jid });
        _h.Request(SmHarness.C2s1, first);
        Assert.Equal(2, _h.Sm.Sessions.Count);
        var last = new Session { Action = Action.Sync };
        last.Sessions.Add(new SessionEntry { C2SSession = bob.C2sSession, SmSession = bob.SmSession, Target = bob.Jid });
        _h.Request(SmHarness.C2s1, last);
        Assert.Equal(2, _h.Sm.Sessions.Count);
    }

    [Fact]
    public void A_reattaching_start_gets_a_new_session_with_the_roster_interest_it_had()
    {
        var answer = _h.Request(SmHarness.C2s1, new Session { Action = Action.Start, C2SSession = "7", Target = "alice@localhost/phone", Reattach = true, RosterInterest = true });
        Assert.Equal(Action.Started, answer.Session.Action);
        Assert.True(_h.Sm.Sessions.Find(answer.Session.SmSession)!.Interested);
    }
}
