using Xmpp.Protos;
using static Xmpp.Sm.Tests.SmHarness;
using Action = Xmpp.Protos.Session.Types.Action;

namespace Xmpp.Sm.Tests;

/// <summary>RFC 6121 §4 among one user's own resources (contacts come with subscriptions).</summary>
public sealed class PresenceTests : IDisposable
{
    private readonly SmHarness _h = new();

    public PresenceTests() => _h.CreateUser("alice");

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Initial_presence_is_echoed_and_broadcast_to_the_other_available_resources()
    {
        var phone = _h.Online("alice@localhost/phone");
        var idle = _h.Start("alice@localhost/idle"); // no presence yet: not available
        var laptop = _h.Start("alice@localhost/laptop", C2s2);

        var frames = _h.Send(laptop, "<presence><show>dnd</show><priority>4</priority></presence>");

        var toLaptop = StanzasTo(frames, laptop);
        Assert.Equal(2, toLaptop.Count); // the echo, then the presence of the user's other available resource
        var echo = toLaptop[0];
        Assert.Equal("alice@localhost/laptop", (string?)echo.Attribute("from"));
        Assert.Equal("alice@localhost/laptop", (string?)echo.Attribute("to"));
        Assert.Equal("alice@localhost/phone", (string?)toLaptop[1].Attribute("from"));
        Assert.Equal("alice@localhost/laptop", (string?)toLaptop[1].Attribute("to"));
        var broadcast = SingleStanzaTo(frames, phone);
        Assert.Equal("alice@localhost/laptop", (string?)broadcast.Attribute("from"));
        Assert.Equal("alice@localhost/phone", (string?)broadcast.Attribute("to"));
        Assert.Equal("dnd", broadcast.Element(C("show"))!.Value);
        Assert.Empty(StanzasTo(frames, idle));

        var session = _h.Sm.Sessions.Find(laptop.SmSession)!;
        Assert.True(session.Available);
        Assert.Equal(4, session.Priority);
    }

    [Fact]
    public void Unavailable_presence_is_broadcast_and_clears_availability()
    {
        var phone = _h.Online("alice@localhost/phone");
        var laptop = _h.Online("alice@localhost/laptop");

        var frames = _h.Send(laptop, "<presence type='unavailable'/>");

        Assert.Equal("unavailable", (string?)SingleStanzaTo(frames, phone).Attribute("type"));
        Assert.Equal("unavailable", (string?)SingleStanzaTo(frames, laptop).Attribute("type"));
        Assert.False(_h.Sm.Sessions.Find(laptop.SmSession)!.Available);
    }

    [Fact]
    public void Ending_an_available_session_tells_the_other_resources()
    {
        var phone = _h.Online("alice@localhost/phone");
        var laptop = _h.Online("alice@localhost/laptop", c2s: C2s2);

        var frames = _h.Handle(new Frame { To = SmAddress, From = C2s2, Session = new Session { Action = Action.End, C2SSession = laptop.C2sSession, SmSession = laptop.SmSession } });

        var unavailable = SingleStanzaTo(frames, phone);
        Assert.Equal("unavailable", (string?)unavailable.Attribute("type"));
        Assert.Equal("alice@localhost/laptop", (string?)unavailable.Attribute("from"));
        Assert.Contains(frames, f => f.Session?.Action == Action.Ended && f.To == C2s2);
    }

    [Fact]
    public void A_conflict_tells_the_other_resources_the_old_session_went_away()
    {
        var phone = _h.Online("alice@localhost/phone");
        _h.Online("alice@localhost/laptop");

        _h.Start("alice@localhost/laptop", C2s2);
        var frames = _h.Take();

        Assert.Equal("unavailable", (string?)SingleStanzaTo(frames, phone).Attribute("type"));
        Assert.Contains(frames, f => f.Session is { Action: Action.Ended, Reason: "conflict" });
    }
}
