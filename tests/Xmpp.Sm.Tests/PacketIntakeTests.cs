using Google.Protobuf;
using Xmpp.Protos;
using Xmpp.Sm.Sessions;
using static Xmpp.Sm.Tests.SmHarness;
using Action = Xmpp.Protos.Session.Types.Action;

namespace Xmpp.Sm.Tests;

/// <summary>Packets must belong to a live session of the sending c2s; c2s deaths and route failures end sessions.</summary>
public sealed class PacketIntakeTests : IDisposable
{
    private readonly SmHarness _h = new();

    public PacketIntakeTests()
    {
        _h.CreateUser("alice");
        _h.CreateUser("bob");
    }

    public void Dispose() => _h.Dispose();

    [Fact]
    public void A_packet_for_an_unknown_sm_session_is_answered_ended_failed_unknown_session()
    {
        var ghost = new Client("alice@localhost/phone", C2s1, "7", "00000000deadbeef");

        var answer = Assert.Single(_h.Send(ghost, "<message to='bob@localhost'><body>hi</body></message>"));

        Assert.Equal(C2s1, answer.To);
        Assert.Equal(Action.Ended, answer.Session.Action);
        Assert.True(answer.Session.Failed);
        Assert.Equal("unknown-session", answer.Session.Reason);
        Assert.Equal("7", answer.Session.C2SSession);
        Assert.Equal("00000000deadbeef", answer.Session.SmSession);
    }

    [Fact]
    public void A_packet_naming_another_connections_session_is_refused()
    {
        var alice = _h.Online("alice@localhost/phone", c2s: C2s1);
        var bob = _h.Online("bob@localhost/pc");

        // Another c2s, or another connection on the same c2s, claims alice's sm session.
        foreach (var spoof in new[] { alice with { C2s = C2s2 }, alice with { C2sSession = "999" } })
        {
            var frames = _h.Send(spoof, "<message to='bob@localhost'><body>hi</body></message>");
            var answer = Assert.Single(frames);
            Assert.Equal(spoof.C2s, answer.To);
            Assert.Equal("unknown-session", answer.Session.Reason);
            Assert.True(answer.Session.Failed);
            Assert.Empty(StanzasTo(frames, bob));
        }
        Assert.NotNull(_h.Sm.Sessions.Find(alice.SmSession));
    }

    [Fact]
    public void A_stanza_with_a_foreign_from_ends_the_session()
    {
        var alice = _h.Online("alice@localhost/phone");
        var bob = _h.Online("bob@localhost/pc");

        var frames = _h.Send(alice, "<message from='bob@localhost/pc' to='bob@localhost'><body>hi</body></message>");

        var ended = Assert.Single(frames);
        Assert.Equal(Action.Ended, ended.Session.Action);
        Assert.Equal(EndReasons.InvalidFrom, ended.Session.Reason);
        Assert.Null(_h.Sm.Sessions.Find(alice.SmSession));
        Assert.Empty(StanzasTo(frames, bob));
    }

    [Fact]
    public void When_a_c2s_goes_down_its_sessions_end_silently_and_messages_go_offline()
    {
        var alice = _h.Online("alice@localhost/phone", c2s: C2s1);
        var aliceLaptop = _h.Online("alice@localhost/laptop", c2s: C2s2);
        var bob = _h.Online("bob@localhost/pc", c2s: C2s1);

        var frames = _h.Handle(new Frame { From = "router", To = SmAddress, Component = new ComponentEvent { Address = C2s1, Up = false } });

        Assert.DoesNotContain(frames, f => f.To == C2s1);
        var unavailable = SingleStanzaTo(frames, aliceLaptop);
        Assert.Equal("unavailable", (string?)unavailable.Attribute("type"));
        Assert.Equal("alice@localhost/phone", (string?)unavailable.Attribute("from"));
        Assert.Null(_h.Sm.Sessions.Find(alice.SmSession));
        Assert.Null(_h.Sm.Sessions.Find(bob.SmSession));

        Assert.Empty(_h.Send(aliceLaptop, "<message to='bob@localhost' type='chat'><body>later</body></message>"));
        Assert.Equal(1, _h.Storage.Count("bob@localhost"));
    }

    [Fact]
    public void A_c2s_coming_up_changes_nothing()
    {
        var alice = _h.Online("alice@localhost/phone", c2s: C2s1);

        Assert.Empty(_h.Handle(new Frame { To = SmAddress, Component = new ComponentEvent { Address = C2s1, Up = true } }));
        Assert.NotNull(_h.Sm.Sessions.Find(alice.SmSession));
    }

    [Fact]
    public void A_packet_the_router_could_not_deliver_ends_that_session()
    {
        var alice = _h.Online("alice@localhost/phone");
        var bounced = PacketFrame(alice, "<message to='alice@localhost/phone'><body>x</body></message>");
        bounced.RouteError = new RouteError { Code = RouteError.Types.Code.RouteGone, Reason = "gone" };

        Assert.Empty(_h.Handle(bounced));
        Assert.Null(_h.Sm.Sessions.Find(alice.SmSession));
    }

    [Fact]
    public void A_bounced_answer_is_never_answered()
    {
        var frames = _h.Handle(new Frame
        {
            To = SmAddress,
            From = "router",
            Session = new Session { Action = Action.Ended, C2SSession = "1", SmSession = "x", Failed = true, Reason = "route-unknown" },
        });

        Assert.Empty(frames);
    }

    [Fact]
    public void Frames_sm_emits_carry_the_trace_context_of_the_frame_that_caused_them()
    {
        var alice = _h.Online("alice@localhost/phone");
        var bob = _h.Online("bob@localhost/pc");
        var frame = PacketFrame(alice, "<message to='bob@localhost/pc'><body>traced</body></message>");
        frame.Trace = new TraceContext { Traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" };

        var delivered = Assert.Single(_h.Handle(frame));

        Assert.Equal(frame.Trace.Traceparent, delivered.Trace.Traceparent);
        Assert.Equal(bob.C2s, delivered.To);
        Assert.Equal(SmAddress, delivered.From);
    }

    [Fact]
    public void A_message_to_an_online_resource_crosses_sm_as_the_bytes_c2s_sent()
    {
        // With the archive on, a chat message with a body gets XEP-0359 stanza-ids (ArchiveTests): a change.
        using var h = new SmHarness(settings: new Dictionary<string, string?> { ["Sm:Archive:Enabled"] = "false" });
        h.CreateUser("alice");
        h.CreateUser("bob");
        var alice = h.Online("alice@localhost/phone");
        var bob = h.Online("bob@localhost/pc");
        var frame = PacketFrame(alice, "<message to='bob@localhost/pc' type='chat' id='m1'><body>as sent</body></message>");

        var delivered = Assert.Single(h.Handle(frame));

        Assert.Equal(bob.C2s, delivered.To);
        Assert.Equal(frame.Packet.Stanza, delivered.Packet.Stanza);
        Assert.Equal(("message", "chat", "bob@localhost/pc", "alice@localhost/phone"),
            (delivered.Packet.Kind, delivered.Packet.Type, delivered.Packet.StanzaTo, delivered.Packet.StanzaFrom));
    }

    [Fact]
    public void A_packet_that_is_not_xml_is_dropped_without_harm()
    {
        var alice = _h.Online("alice@localhost/phone");
        var frame = PacketFrame(alice, "<message/>");
        frame.Packet.Stanza = ByteString.CopyFromUtf8("<message xmlns='jabber:client'");

        Assert.Empty(_h.Handle(frame));
        Assert.NotNull(_h.Sm.Sessions.Find(alice.SmSession));
    }
}
