using Xmpp.Protos;
using Xmpp.Sm.Storage;
using static Xmpp.Sm.Tests.SmHarness;

namespace Xmpp.Sm.Tests;

/// <summary>
/// Issue 18: what sm sent for a client and never reached it comes back (c2s marks it undelivered,
/// or the router returns it with a route error); a message goes to offline storage, an iq gets an
/// error to its sender, presence is dropped.
/// </summary>
public sealed class ReturnedPacketTests : IDisposable
{
    private readonly SmHarness _h = new(o => o.OfflineLimit = 3);

    public ReturnedPacketTests()
    {
        _h.CreateUser("alice");
        _h.CreateUser("bob");
    }

    public void Dispose() => _h.Dispose();

    /// <summary>Alice sends bob <paramref name="xml"/> while he is online; returns the packet sm sent to bob's c2s.</summary>
    private (Client Alice, Client Bob, Frame ToBob) Delivered(string xml)
    {
        var alice = _h.Online("alice@localhost/phone");
        var bob = _h.Online("bob@localhost/pc", c2s: C2s2);
        var toBob = Assert.Single(_h.Send(alice, xml), f => f.Packet is not null && f.To == C2s2);
        return (alice, bob, toBob);
    }

    private static Frame Undelivered(Frame sent) => new()
    {
        To = SmAddress,
        From = sent.To,
        Packet = new Packet(sent.Packet) { Undelivered = true },
    };

    [Fact]
    public void A_chat_message_c2s_could_not_write_is_stored_offline_and_delivered_at_the_next_login()
    {
        var (_, bob, toBob) = Delivered("<message to='bob@localhost' type='chat' id='m1'><body>lost?</body></message>");

        Assert.Empty(_h.Handle(Undelivered(toBob)));
        Assert.Equal(1, _h.Storage.Count("bob@localhost"));

        // bob's connection ends; he logs in again and gets it
        _h.Handle(new Frame { From = bob.C2s, To = SmAddress, Session = new Session { Action = Session.Types.Action.End, C2SSession = bob.C2sSession, SmSession = bob.SmSession } });
        var again = _h.Start("bob@localhost/pc2");
        var message = Assert.Single(StanzasTo(_h.Send(again, "<presence/>"), again), s => s.Name.LocalName == "message");
        Assert.Equal("lost?", message.Element(C("body"))!.Value);
    }

    [Fact]
    public void A_message_returned_after_the_session_ended_is_still_stored()
    {
        var (_, bob, toBob) = Delivered("<message to='bob@localhost/pc' id='m2'><body>late</body></message>");
        _h.Handle(new Frame { From = bob.C2s, To = SmAddress, Session = new Session { Action = Session.Types.Action.End, C2SSession = bob.C2sSession, SmSession = bob.SmSession } });
        _h.Take();

        _h.Handle(Undelivered(toBob));
        Assert.Equal(1, _h.Storage.Count("bob@localhost"));
    }

    [Fact]
    public void A_message_the_router_returned_congested_is_stored_and_the_session_lives_on()
    {
        var (alice, bob, toBob) = Delivered("<message to='bob@localhost' type='chat'><body>busy</body></message>");
        var returned = toBob.Clone();
        (returned.To, returned.From) = (SmAddress, bob.C2s);
        returned.RouteError = new RouteError { Code = RouteError.Types.Code.RouteCongested, Reason = "full" };

        _h.Handle(returned);

        Assert.Equal(1, _h.Storage.Count("bob@localhost"));
        Assert.NotNull(_h.Sm.Sessions.Find(bob.SmSession));
        // and bob still gets the next one
        Assert.Single(_h.Send(alice, "<message to='bob@localhost' type='chat'><body>next</body></message>"), f => f.To == C2s2);
    }

    [Fact]
    public void An_iq_c2s_could_not_write_gets_service_unavailable_back_to_its_sender()
    {
        var (alice, _, toBob) = Delivered("<iq to='bob@localhost/pc' type='get' id='q1'><query xmlns='jabber:iq:version'/></iq>");

        var error = SingleStanzaTo(_h.Handle(Undelivered(toBob)), alice);

        Assert.Equal("q1", (string?)error.Attribute("id"));
        Assert.Equal("service-unavailable", ErrorCondition(error));
    }

    [Fact]
    public void Presence_c2s_could_not_write_is_dropped_and_a_full_store_answers_the_sender()
    {
        var (alice, _, presence) = Delivered("<presence to='bob@localhost/pc'/>");
        Assert.Empty(_h.Handle(Undelivered(presence)));

        for (var i = 0; i < 3; i++) _h.Storage.TryAdd("bob@localhost", "<message xmlns='jabber:client'/>"u8.ToArray(), DateTimeOffset.UtcNow, new OfflineQuota(int.MaxValue, long.MaxValue));
        var toBob = Assert.Single(_h.Send(alice, "<message to='bob@localhost' type='chat' id='m9'><body>x</body></message>"), f => f.To == C2s2);
        var error = SingleStanzaTo(_h.Handle(Undelivered(toBob)), alice);
        Assert.Equal("service-unavailable", ErrorCondition(error));
        Assert.Equal("m9", (string?)error.Attribute("id"));
    }
}
