using Microsoft.Extensions.Logging.Abstractions;
using Xmpp.Protos;
using Xmpp.Sm.Core;
using Xmpp.Sm.Storage;
using static Xmpp.Sm.Tests.SmHarness;
using Action = Xmpp.Protos.Session.Types.Action;

namespace Xmpp.Sm.Tests;

/// <summary>
/// XEP-0198 state that outlives a killed sm (issue 20): each resumable stream's count of the
/// client's stanzas and its unacknowledged stanzas are stored with the frame's effects, so a new sm
/// over the same database tells c2s exactly where the client's stanzas resume (nothing counted
/// twice) and sends what c2s never wrote (nothing lost). The "kill" is a second SessionManager on
/// the same SQLite file, the first one never stopped.
/// </summary>
public sealed class StreamStateRestartTests : IDisposable
{
    private readonly ManualClock _clock = new();
    private readonly SmHarness _h;

    public StreamStateRestartTests()
    {
        _h = new SmHarness(null, _clock);
        _h.CreateUser("alice");
        _h.CreateUser("bob");
        _h.CreateUser("eve");
    }

    public void Dispose() => _h.Dispose();

    private sealed class Sink : IFrameSink
    {
        public List<Frame> Sent { get; } = [];
        public void Send(Frame frame) => Sent.Add(frame);
    }

    private string Enable(Client c)
    {
        var enabled = _h.Request(c.C2s, new Session { Action = Action.SmEnable, C2SSession = c.C2sSession, SmSession = c.SmSession, SmResume = true }).Session;
        Assert.Equal(Action.SmEnabled, enabled.Action);
        return enabled.SmResumeId;
    }

    private Frame Numbered(Client from, uint seq, string to, string body)
    {
        var frame = PacketFrame(from, $"<message to='{to}' type='chat'><body>{body}</body></message>");
        frame.Packet.SmSeq = seq;
        return frame;
    }

    private static Session ReattachStart(Client c, string previd, uint confirmed, uint lastWritten) => new()
    {
        Action = Action.Start, C2SSession = c.C2sSession, Target = c.Jid, RequestId = c.C2sSession + ".r1", Reattach = true,
        SmStream = true, SmH = confirmed, SmOut = lastWritten, SmResumeId = previd,
    };

    [Fact]
    public void After_a_kill_the_new_sm_resumes_the_clients_stanzas_after_the_stored_count_and_sends_what_c2s_never_wrote()
    {
        var alice = _h.Online("alice@localhost/a");
        var bob = _h.Online("bob@localhost/b");
        var alicePrevid = Enable(alice);
        var bobPrevid = Enable(bob);
        for (uint i = 1; i <= 3; i++)
        {
            var delivered = Assert.Single(_h.Handle(Numbered(bob, i, "alice@localhost/a", "m" + i)), f => f.Packet is not null);
            Assert.Equal(i, delivered.Packet.SmSeq); // alice's own numbering
        }
        _h.Handle(new Frame { To = SmAddress, From = alice.C2s, Session = new Session { Action = Action.SmAck, C2SSession = alice.C2sSession, SmSession = alice.SmSession, SmH = 1 } });

        // sm is killed; a new one starts on the same database. c2s re-attaches both streams with what
        // it knows: bob's stanzas confirmed up to 0 (no confirmation came yet), alice's written up to 2
        // (the third was lost on the way when sm died).
        var sink = new Sink();
        var sm2 = new SessionManager(_h.Options, SmStorage.Of(_h.Storage), sink, NullLoggerFactory.Instance, _clock);

        sm2.Handle(new Frame { To = SmAddress, From = bob.C2s, Session = ReattachStart(bob, bobPrevid, confirmed: 0, lastWritten: 0) });
        var started = Assert.Single(sink.Sent, f => f.Session?.Action == Action.Started).Session;
        var resend = Assert.Single(sink.Sent, f => f.Session?.Action == Action.SmResend);
        Assert.Equal(3u, resend.Session.SmH); // c2s sends again only from bob's 4th: 1-3 are not taken twice
        Assert.True(sink.Sent.IndexOf(resend) > sink.Sent.FindIndex(f => f.Session?.Action == Action.Started));
        var bob2 = bob with { SmSession = started.SmSession };
        sink.Sent.Clear();

        sm2.Handle(new Frame { To = SmAddress, From = alice.C2s, Session = ReattachStart(alice, alicePrevid, confirmed: 0, lastWritten: 2) });
        var aliceStarted = Assert.Single(sink.Sent, f => f.Session?.Action == Action.Started).Session;
        var again = Assert.Single(sink.Sent, f => f.Packet is not null).Packet;
        Assert.Equal(3u, again.SmSeq); // the one c2s never wrote, with its number
        Assert.Contains("m3", again.Stanza.ToStringUtf8());
        Assert.Equal(aliceStarted.SmSession, again.SmSession);
        Assert.Equal(alice.C2sSession, again.C2SSession);
        var alice2 = alice with { SmSession = aliceStarted.SmSession };
        sink.Sent.Clear();

        // A duplicate of bob's 3rd (c2s had it unconfirmed) is not taken; the 4th is, and numbered 4 for alice.
        sm2.Handle(Numbered(bob2, 3, "alice@localhost/a", "m3"));
        Assert.DoesNotContain(sink.Sent, f => f.Packet is not null);
        sm2.Handle(Numbered(bob2, 4, "alice@localhost/a", "m4"));
        Assert.Equal(4u, Assert.Single(sink.Sent, f => f.Packet is not null).Packet.SmSeq);
        sink.Sent.Clear();

        // Alice's connection then drops and she resumes with h=1: 2, 3 and 4 come again (2 was written before the kill and never acknowledged).
        sm2.Handle(new Frame { To = SmAddress, From = alice.C2s, Session = new Session { Action = Action.Detach, C2SSession = alice2.C2sSession, SmSession = alice2.SmSession } });
        sm2.Handle(new Frame { To = SmAddress, From = C2s2, Session = new Session { Action = Action.Resume, C2SSession = "9", Target = "alice@localhost", RequestId = "9.r", SmResumeId = alicePrevid, SmH = 1 } });
        Assert.Equal([2u, 3u, 4u], sink.Sent.Where(f => f.Packet is not null).Select(f => f.Packet.SmSeq));
    }

    [Fact]
    public void A_stored_stream_no_c2s_re_attaches_ends_after_the_grace_period_and_its_unacknowledged_messages_go_offline()
    {
        var alice = _h.Online("alice@localhost/a");
        var eve = _h.Online("eve@localhost/e");
        Enable(eve);
        _h.Send(alice, "<message to='eve@localhost' type='chat'><body>for eve</body></message>");
        Assert.Equal(0, _h.Storage.Count("eve@localhost"));

        var sm2 = new SessionManager(_h.Options, SmStorage.Of(_h.Storage), new Sink(), NullLoggerFactory.Instance, _clock);
        Assert.Single(_h.Storage.StreamKeys());
        _clock.Now += _h.Options.C2sGracePeriod - TimeSpan.FromSeconds(1);
        sm2.Handle(SessionManager.TickFrame);
        Assert.Equal(0, _h.Storage.Count("eve@localhost"));
        _clock.Now += TimeSpan.FromSeconds(2);
        sm2.Handle(SessionManager.TickFrame);
        Assert.Equal(1, _h.Storage.Count("eve@localhost"));
        Assert.Empty(_h.Storage.StreamKeys()); // nothing left behind
    }

    [Fact]
    public void A_stream_that_ends_leaves_nothing_stored()
    {
        var alice = _h.Online("alice@localhost/a");
        var bob = _h.Online("bob@localhost/b");
        Enable(bob);
        _h.Handle(Numbered(bob, 1, "alice@localhost/a", "hi"));
        _h.Send(alice, "<message to='bob@localhost/b' type='chat'><body>back</body></message>");
        Assert.Single(_h.Storage.StreamKeys());
        _h.Request(bob.C2s, new Session { Action = Action.End, C2SSession = bob.C2sSession, SmSession = bob.SmSession });
        Assert.Empty(_h.Storage.StreamKeys());
    }
}
