using Xmpp.Protos;
using Xmpp.Sm.Core;
using static Xmpp.Sm.Tests.SmHarness;
using Action = Xmpp.Protos.Session.Types.Action;

namespace Xmpp.Sm.Tests;

/// <summary>
/// XEP-0198 state in sm, frames in and out (no sockets): enable, numbering, acks, the client's
/// &lt;r/&gt;, detach and resume (also on another c2s), the byte bound, the resumption timeout,
/// and unacknowledged stanzas handled as undelivered when a session ends for good.
/// </summary>
public sealed class StreamManagementTests : IDisposable
{
    private readonly ManualClock _clock = new();
    private readonly SmHarness _h;

    public StreamManagementTests()
    {
        _h = new SmHarness(o => o.StreamManagement.MaxUnackedBytes = 4096, _clock);
        _h.CreateUser("alice");
        _h.CreateUser("bob");
        _h.CreateUser("eve");
    }

    public void Dispose() => _h.Dispose();

    private Session Enable(Client c, bool resume = true, uint max = 0) =>
        _h.Request(c.C2s, new Session { Action = Action.SmEnable, C2SSession = c.C2sSession, SmSession = c.SmSession, SmResume = resume, SmMax = max }).Session;

    private List<Frame> Action_(Client c, Action action, uint h = 0) =>
        _h.Handle(new Frame { To = SmAddress, From = c.C2s, Session = new Session { Action = action, C2SSession = c.C2sSession, SmSession = c.SmSession, SmH = h } });

    private List<Frame> Chat(Client from, string to, string body) =>
        _h.Send(from, $"<message to='{to}' type='chat'><body>{body}</body></message>");

    private static List<Packet> PacketsTo(IEnumerable<Frame> frames, Client c) =>
        frames.Where(f => f.Packet is { } p && p.SmSession == c.SmSession && p.C2SSession == c.C2sSession && f.To == c.C2s).Select(f => f.Packet).ToList();

    private (Client Alice, Client Bob, string ResumeId) BobWithStreamManagement()
    {
        var alice = _h.Online("alice@localhost/a");
        var bob = _h.Online("bob@localhost/b");
        var enabled = Enable(bob);
        Assert.Equal(Action.SmEnabled, enabled.Action);
        return (alice, bob, enabled.SmResumeId);
    }

    private Session Resume(string c2s, string c2sSession, string user, string previd, uint h) =>
        _h.Request(c2s, new Session { Action = Action.Resume, C2SSession = c2sSession, Target = user, SmResumeId = previd, SmH = h }).Session;

    [Fact]
    public void Enable_grants_a_resumption_id_and_the_timeout_within_the_maximum()
    {
        var bob = _h.Online("bob@localhost/b");
        var enabled = Enable(bob);
        Assert.False(enabled.Failed);
        Assert.True(enabled.SmResumeId.Length >= 22, enabled.SmResumeId);
        Assert.Equal(300u, enabled.SmMax);
        Assert.Equal(Action.SmEnable, Enable(bob).Action); // twice: failed
        Assert.Equal("unexpected-request", Enable(bob).Reason);

        var other = _h.Online("alice@localhost/x");
        Assert.Equal(120u, Enable(other, max: 120).SmMax);
        var big = _h.Online("eve@localhost/x");
        Assert.Equal(600u, Enable(big, max: 100000).SmMax); // Sm:StreamManagement:MaxResumeTimeout
        var plain = _h.Online("alice@localhost/y");
        Assert.Equal("", Enable(plain, resume: false).SmResumeId);
        Assert.NotEqual(enabled.SmResumeId, Enable(_h.Online("bob@localhost/c")).SmResumeId);
    }

    [Fact]
    public void Stanzas_for_the_client_are_numbered_and_kept_until_acknowledged()
    {
        var (alice, bob, _) = BobWithStreamManagement();
        var seqs = Enumerable.Range(1, 3).SelectMany(i => PacketsTo(Chat(alice, "bob@localhost/b", $"m{i}"), bob)).Select(p => p.SmSeq).ToList();
        Assert.Equal([1u, 2u, 3u], seqs);

        Assert.Empty(Action_(bob, Action.SmAck, 2)); // not answered
        var session = _h.Sm.Sessions.Find(bob.SmSession)!;
        Assert.Equal(3u, Assert.Single(session.Stream!.Outbound.Pending).SmSeq);
    }

    [Fact]
    public void The_clients_r_is_answered_with_the_count_of_its_stanzas_sm_took()
    {
        var (_, bob, _) = BobWithStreamManagement();
        for (uint i = 1; i <= 3; i++)
        {
            var frame = PacketFrame(bob, $"<message to='alice@localhost' type='chat'><body>{i}</body></message>");
            frame.Packet.SmSeq = i;
            _h.Handle(frame);
        }
        var answer = Assert.Single(Action_(bob, Action.SmRequest));
        Assert.Equal(Action.SmAnswer, answer.Session.Action);
        Assert.Equal(3u, answer.Session.SmH);
    }

    [Fact]
    public void A_gap_in_the_clients_numbers_asks_c2s_once_to_send_again_and_the_resent_stanzas_are_taken_in_order()
    {
        var (alice, bob, _) = BobWithStreamManagement();
        Frame Numbered(uint seq)
        {
            var f = PacketFrame(bob, $"<message to='alice@localhost/a' type='chat'><body>{seq}</body></message>");
            f.Packet.SmSeq = seq;
            return f;
        }
        Assert.Single(PacketsTo(_h.Handle(Numbered(1)), alice));

        var frames = _h.Handle(Numbered(3)); // #2 was lost on the router link
        Assert.Empty(PacketsTo(frames, alice)); // not taken
        var ask = Assert.Single(frames, f => f.Session is not null);
        Assert.Equal(Action.SmResend, ask.Session.Action);
        Assert.Equal(1u, ask.Session.SmH);
        Assert.Equal(bob.C2s, ask.To);
        Assert.DoesNotContain(_h.Handle(Numbered(4)), f => f.Session is not null || f.Packet is not null); // asked already: only dropped

        _clock.Now += TimeSpan.FromSeconds(2);
        Assert.Equal(Action.SmResend, Assert.Single(_h.Handle(Numbered(5)), f => f.Session is not null).Session.Action); // asked again after a second

        var bodies = new[] { 2u, 3u, 4u, 5u }.SelectMany(n => PacketsTo(_h.Handle(Numbered(n)), alice)).Select(p => p.Stanza.ToStringUtf8()).ToList();
        Assert.Equal(4, bodies.Count);
        Assert.Contains("<body>2</body>", bodies[0]);
        Assert.Contains("<body>5</body>", bodies[3]);
        Assert.Empty(PacketsTo(_h.Handle(Numbered(3)), alice)); // a duplicate is dropped
        Assert.Equal(5u, Assert.Single(Action_(bob, Action.SmRequest)).Session.SmH);
        Assert.False(_h.Sm.Sessions.Find(bob.SmSession)!.Stream!.Detached); // the stream stays
    }

    [Fact]
    public void Sm_resend_from_c2s_sends_again_what_follows_its_last_written_stanza_in_order()
    {
        var (alice, bob, _) = BobWithStreamManagement();
        for (var i = 1; i <= 4; i++) Chat(alice, "bob@localhost/b", $"m{i}");
        Action_(bob, Action.SmAck, 1);
        var again = PacketsTo(Action_(bob, Action.SmResend, 2), bob);
        Assert.Equal([3u, 4u], again.Select(p => p.SmSeq).ToList());
        Assert.Contains("m3", again[0].Stanza.ToStringUtf8());
        Assert.Empty(Action_(bob, Action.SmResend, 4)); // nothing after 4
    }

    [Fact]
    public void A_reattach_with_stream_counters_goes_on_numbering_and_keeps_the_previd()
    {
        var alice = _h.Online("alice@localhost/a");
        var started = _h.Request(C2s2, new Session
        {
            Action = Action.Start, C2SSession = "77", Target = "bob@localhost/b", RequestId = "77.r1", Reattach = true,
            SmStream = true, SmH = 40, SmOut = 9, SmResumeId = "previd-kept-by-the-client", SmMax = 120,
        }).Session;
        Assert.Equal(Action.Started, started.Action);
        var bob = new Client("bob@localhost/b", C2s2, "77", started.SmSession);

        var out1 = Assert.Single(PacketsTo(Chat(alice, "bob@localhost/b", "after"), bob));
        Assert.Equal(10u, out1.SmSeq); // after the last one c2s wrote
        var next = PacketFrame(bob, "<message to='alice@localhost/a' type='chat'><body>x</body></message>");
        next.Packet.SmSeq = 41;
        Assert.Single(PacketsTo(_h.Handle(next), alice));
        Assert.Equal(41u, Assert.Single(Action_(bob, Action.SmRequest)).Session.SmH);

        Assert.Empty(_h.Handle(new Frame { To = SmAddress, From = bob.C2s, Session = new Session { Action = Action.Detach, C2SSession = "77", SmSession = bob.SmSession } }));
        var resumed = Resume(C2s1, "5", "bob@localhost", "previd-kept-by-the-client", 10);
        Assert.Equal(Action.Resumed, resumed.Action);
        Assert.Equal(41u, resumed.SmH);
    }

    [Fact]
    public void A_loopback_counts_the_clients_stanza_and_comes_back_numbered()
    {
        var (_, bob, _) = BobWithStreamManagement();
        var frame = PacketFrame(bob, "<iq type='result' id='x' to='bob@localhost/b'/>");
        frame.Packet.SmSeq = 1;
        frame.Packet.Loopback = true;
        var back = Assert.Single(PacketsTo(_h.Handle(frame), bob));
        Assert.Equal(1u, back.SmSeq);
        Assert.Equal("iq", back.Kind);
        Assert.Equal(1u, Assert.Single(Action_(bob, Action.SmRequest)).Session.SmH);
    }

    [Fact]
    public void A_detached_session_keeps_its_presence_queues_and_resumes_on_another_c2s_with_what_h_did_not_cover()
    {
        var (alice, bob, previd) = BobWithStreamManagement();
        Chat(alice, "bob@localhost/b", "m1");
        Chat(alice, "bob@localhost/b", "m2");
        Assert.Empty(Action_(bob, Action.Detach));
        Assert.NotNull(_h.Sm.Sessions.Find(bob.SmSession)); // still there, still available
        Assert.Empty(PacketsTo(Chat(alice, "bob@localhost/b", "m3"), bob)); // held, not sent

        var resumed = Resume(C2s2, "77", "bob@localhost", previd, h: 1);
        Assert.Equal(Action.Resumed, resumed.Action);
        Assert.Equal("bob@localhost/b", resumed.Target);
        Assert.Equal(bob.SmSession, resumed.SmSession);
        // What h did not cover (m2, m3) stays numbered 2 and 3, addressed to the new connection (the order on the wire: next test).
        var moved = new Client(bob.Jid, C2s2, "77", bob.SmSession);
        var session = _h.Sm.Sessions.Find(bob.SmSession)!;
        Assert.Equal(C2s2, session.C2sAddress);
        Assert.Equal([2u, 3u], session.Stream!.Outbound.Pending.Select(p => p.SmSeq));
        Assert.All(session.Stream.Outbound.Pending, p => Assert.Equal("77", p.C2SSession));
        Assert.Equal(4u, Assert.Single(PacketsTo(Chat(alice, "bob@localhost/b", "m4"), moved)).SmSeq); // new ones go on at 4
        Assert.Empty(Action_(bob, Action.Detach)); // the old connection's late DETACH changes nothing
        Assert.False(session.Stream.Detached);
    }

    [Fact]
    public void Resume_sends_the_unacknowledged_stanzas_right_after_the_answer_and_tells_the_old_connection_to_close()
    {
        var (alice, bob, previd) = BobWithStreamManagement();
        Chat(alice, "bob@localhost/b", "m1");
        Chat(alice, "bob@localhost/b", "m2");
        var frames = _h.Handle(new Frame
        {
            To = SmAddress, From = C2s2,
            Session = new Session { Action = Action.Resume, C2SSession = "9", Target = "bob@localhost", SmResumeId = previd, SmH = 0, RequestId = "rr" },
        });
        // still attached: the old connection's c2s is told to close it, without ending the session
        var old = Assert.Single(frames, f => f.To == C2s1);
        Assert.Equal(Action.Ended, old.Session.Action);
        Assert.Equal("resumed", old.Session.Reason);
        Assert.Equal(bob.C2sSession, old.Session.C2SSession);
        var toNew = frames.Where(f => f.To == C2s2).ToList();
        Assert.Equal(Action.Resumed, toNew[0].Session.Action);
        Assert.Equal([1u, 2u], toNew.Skip(1).Select(f => f.Packet.SmSeq));
        Assert.All(toNew.Skip(1), f => Assert.Equal("9", f.Packet.C2SSession));
    }

    [Fact]
    public void Only_the_same_account_may_resume_and_an_unknown_id_is_item_not_found()
    {
        var (_, _, previd) = BobWithStreamManagement();
        var eve = Resume(C2s2, "5", "eve@localhost", previd, 0);
        Assert.True(eve.Failed);
        Assert.Equal("item-not-found", eve.Reason);
        Assert.Equal("item-not-found", Resume(C2s2, "6", "bob@localhost", "nonsense", 0).Reason);
        Assert.Equal(Action.Resumed, Resume(C2s2, "7", "bob@localhost", previd, 0).Action);
    }

    [Fact]
    public void A_detached_session_not_resumed_in_time_ends_and_its_unacknowledged_messages_go_offline()
    {
        var (alice, bob, previd) = BobWithStreamManagement();
        Chat(alice, "bob@localhost/b", "m1");
        _h.Send(alice, "<iq type='get' id='p1' to='bob@localhost/b'><ping xmlns='urn:xmpp:ping'/></iq>");
        Action_(bob, Action.Detach);
        Chat(alice, "bob@localhost/b", "m2");

        _clock.Now += TimeSpan.FromSeconds(299);
        Assert.Empty(_h.Handle(SessionManager.TickFrame));
        Assert.NotNull(_h.Sm.Sessions.Find(bob.SmSession));
        _clock.Now += TimeSpan.FromSeconds(2);
        var frames = _h.Handle(SessionManager.TickFrame);
        Assert.Null(_h.Sm.Sessions.Find(bob.SmSession));
        Assert.Equal(2, _h.Storage.Count("bob@localhost")); // m1 and m2
        var error = Assert.Single(StanzasTo(frames, alice), s => s.Name.LocalName == "iq");
        Assert.Equal("service-unavailable", ErrorCondition(error)); // the unanswered ping
        Assert.Equal("item-not-found", Resume(C2s1, "8", "bob@localhost", previd, 0).Reason);
    }

    [Fact]
    public void A_normal_end_with_stanzas_unacknowledged_stores_the_messages_once()
    {
        var (alice, bob, _) = BobWithStreamManagement();
        var sent = PacketsTo(Chat(alice, "bob@localhost/b", "m1"), bob).Single();
        Chat(alice, "bob@localhost/b", "m2");
        Action_(bob, Action.SmAck, 1);
        // c2s returns a numbered packet it could not write: it stays with stream management, not stored twice
        Assert.Empty(_h.Handle(new Frame { To = SmAddress, From = C2s1, Packet = new Packet(sent) { Undelivered = true } }));
        _h.Handle(new Frame { To = SmAddress, From = C2s1, Session = new Session { Action = Action.End, C2SSession = bob.C2sSession, SmSession = bob.SmSession } });
        Assert.Equal(1, _h.Storage.Count("bob@localhost")); // m2 only: m1 was acknowledged
    }

    [Fact]
    public void An_unacknowledged_carbon_copy_is_not_stored_offline()
    {
        var (_, bob, _) = BobWithStreamManagement();
        var session = _h.Sm.Sessions.Find(bob.SmSession)!;
        // a copy as the carbons module sends it, and a plain message, both unacknowledged (put in the queue directly)
        var carbon = "<message xmlns='jabber:client' from='bob@localhost' to='bob@localhost/b'><received xmlns='urn:xmpp:carbons:2'>" +
                     "<forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' from='alice@localhost/a' to='bob@localhost/x' type='chat'><body>c</body></message></forwarded></received></message>";
        var plain = "<message xmlns='jabber:client' from='alice@localhost/a' to='bob@localhost/b' type='chat'><body>p</body></message>";
        foreach (var xml in new[] { carbon, plain })
        {
            var packet = new Packet { Kind = "message", Type = "", StanzaTo = "bob@localhost/b", StanzaFrom = "bob@localhost", Stanza = Google.Protobuf.ByteString.CopyFromUtf8(xml) };
            session.Stream!.Outbound.Push(packet);
        }
        _h.Handle(new Frame { To = SmAddress, From = C2s1, Session = new Session { Action = Action.End, C2SSession = bob.C2sSession, SmSession = bob.SmSession } });
        Assert.Equal(1, _h.Storage.Count("bob@localhost"));
        Assert.Contains(">p<", System.Text.Encoding.UTF8.GetString(_h.Storage.Load("bob@localhost").Single().Stanza));
    }

    [Fact]
    public void Passing_the_byte_bound_ends_the_session_and_keeps_its_messages_offline()
    {
        var (alice, bob, _) = BobWithStreamManagement();
        var body = new string('x', 1000);
        List<Frame> frames = [];
        for (var i = 0; i < 5; i++) frames.AddRange(Chat(alice, "bob@localhost/b", body + i)); // > 4096 bytes unacknowledged
        Assert.Null(_h.Sm.Sessions.Find(bob.SmSession));
        var ended = Assert.Single(frames, f => f.Session is { Action: Action.Ended });
        Assert.Equal("unacked-overflow", ended.Session.Reason);
        Assert.Equal(5, _h.Storage.Count("bob@localhost"));
    }

    [Fact]
    public void When_a_c2s_goes_down_resumable_sessions_wait_and_the_others_end()
    {
        var (_, bob, previd) = BobWithStreamManagement();
        var carol = _h.Online("alice@localhost/plain");
        _h.Handle(new Frame { Component = new ComponentEvent { Address = C2s1, Up = false } });
        Assert.True(_h.Sm.Sessions.Find(bob.SmSession)!.Stream!.Detached);
        Assert.Null(_h.Sm.Sessions.Find(carol.SmSession));
        Assert.Equal(Action.Resumed, Resume(C2s2, "3", "bob@localhost", previd, 0).Action);
    }

    [Fact]
    public void A_numbered_packet_the_router_returns_detaches_the_session_instead_of_storing_it()
    {
        var (alice, bob, _) = BobWithStreamManagement();
        var sent = PacketsTo(Chat(alice, "bob@localhost/b", "m1"), bob).Single();
        _h.Handle(new Frame
        {
            To = SmAddress, From = C2s1, RouteError = new RouteError { Code = RouteError.Types.Code.RouteGone, Reason = "gone" }, Packet = sent,
        });
        Assert.True(_h.Sm.Sessions.Find(bob.SmSession)!.Stream!.Detached);
        Assert.Equal(0, _h.Storage.Count("bob@localhost"));
    }
}
