using Xmpp.Muc.Protocol;
using static Xmpp.Muc.Tests.MucHarness;

namespace Xmpp.Muc.Tests;

/// <summary>XEP-0045 §8-10: kick, voice, ban, member lists, admins and owners, with their privilege rules.</summary>
public sealed class ModerationTests : IDisposable
{
    private const string Room = "room@" + Service;
    private const string Alice = "alice@localhost/phone";
    private const string Bob = "bob@localhost/laptop";
    private const string Carol = "carol@localhost/desk";
    private readonly MucHarness _muc = new();

    public ModerationTests()
    {
        _muc.CreateInstant(Alice, Room, "alice");
        _muc.Join(Bob, Room, "bob");
        _muc.Join(Carol, Room, "carol");
    }

    public void Dispose() => _muc.Dispose();

    private XElementAnswer Admin(string from, string items, string type = "set") =>
        new(_muc.Iq(from, Room, type, $"<query xmlns='{MucNs.Admin}'>{items}</query>"));

    private sealed record XElementAnswer(System.Xml.Linq.XElement Iq)
    {
        public string? Type => (string?)Iq.Attribute("type");
        public string? Condition => MucHarness.Condition(Iq);
    }

    [Fact]
    public void A_moderator_kicks_an_occupant_who_gets_307_and_110_and_everyone_else_307_with_actor_and_reason()
    {
        var answer = Admin(Alice, "<item nick='carol' role='none'><reason>spam</reason></item>");
        Assert.Equal("result", answer.Type);
        var sent = _muc.Take().Where(s => s.Name.LocalName == "presence").ToArray();
        Assert.Equal([Alice, Bob, Carol], sent.Select(s => (string)s.Attribute("to")!).Order());
        Assert.All(sent, p =>
        {
            Assert.Equal(("unavailable", $"{Room}/carol"), ((string?)p.Attribute("type"), (string?)p.Attribute("from")));
            Assert.Contains(307, Codes(p));
            Assert.Equal("spam", Item(p)!.Element(User + "reason")?.Value);
            Assert.Equal("alice", (string?)Item(p)!.Element(User + "actor")?.Attribute("nick"));
        });
        Assert.Contains(110, Codes(sent.Single(p => (string?)p.Attribute("to") == Carol)));
        Assert.Contains(_muc.Join(Carol, Room, "carol"), s => Codes(s).Contains(110)); // a kick is not a ban
    }

    [Fact]
    public void A_participant_may_not_kick_and_nobody_kicks_an_admin_or_owner()
    {
        var refused = Admin(Bob, "<item nick='carol' role='none'/>");
        Assert.Equal(("error", "forbidden"), (refused.Type, refused.Condition));
        Assert.Equal("result", Admin(Alice, "<item jid='bob@localhost' affiliation='admin'/>").Type);
        _muc.Take();
        Assert.Equal("not-allowed", Admin(Bob, "<item nick='alice' role='none'/>").Condition);  // an admin does not kick the owner
        Assert.Equal("item-not-found", Admin(Alice, "<item nick='nobody' role='none'/>").Condition);
    }

    [Fact]
    public void Voice_is_revoked_and_granted_by_a_moderator()
    {
        Assert.Equal("result", Admin(Alice, "<item nick='bob' role='visitor'/>").Type);
        Assert.Equal("visitor", (string?)Item(_muc.Take().Single(p => (string?)p.Attribute("to") == Bob))!.Attribute("role"));
        _muc.In($"<message from='{Bob}' to='{Room}' type='groupchat' id='x'><body>hello?</body></message>");
        Assert.Equal("forbidden", Condition(_muc.Take().Single()));
        Assert.Equal("result", Admin(Alice, "<item nick='bob' role='participant'/>").Type);
        Assert.Equal("participant", (string?)Item(_muc.Take().Single(p => (string?)p.Attribute("to") == Bob))!.Attribute("role"));
        Assert.Equal("forbidden", Admin(Bob, "<item nick='carol' role='visitor'/>").Condition); // bob is no moderator
    }

    [Fact]
    public void A_ban_removes_with_301_keeps_the_user_out_and_shows_in_the_outcast_list()
    {
        Assert.Equal("result", Admin(Alice, "<item jid='carol@localhost' affiliation='outcast'><reason>troll</reason></item>").Type);
        var toBob = _muc.Take().Single(p => (string?)p.Attribute("to") == Bob);
        Assert.Equal(("unavailable", "outcast"), ((string?)toBob.Attribute("type"), (string?)Item(toBob)!.Attribute("affiliation")));
        Assert.Contains(301, Codes(toBob));
        Assert.Equal("forbidden", Condition(_muc.Join(Carol, Room, "carol").Single()));
        var list = Admin(Alice, "<item affiliation='outcast'/>", "get").Iq;
        Assert.Equal("carol@localhost", (string?)list.Descendants(System.Xml.Linq.XName.Get("item", MucNs.Admin)).Single().Attribute("jid"));
        Assert.Equal("forbidden", Admin(Bob, "<item affiliation='outcast'/>", "get").Condition); // lists are for admins
    }

    [Fact]
    public void Only_owners_make_admins_and_owners_and_the_last_owner_stays()
    {
        Assert.Equal("result", Admin(Alice, "<item jid='bob@localhost' affiliation='admin'/>").Type);
        var bobNow = _muc.Take().Single(p => (string?)p.Attribute("to") == Bob);
        Assert.Equal(("admin", "moderator"), ((string?)Item(bobNow)!.Attribute("affiliation"), (string?)Item(bobNow)!.Attribute("role")));
        Assert.Equal("not-allowed", Admin(Bob, "<item jid='carol@localhost' affiliation='admin'/>").Condition);
        Assert.Equal("not-allowed", Admin(Bob, "<item jid='alice@localhost' affiliation='member'/>").Condition);
        Assert.Equal("result", Admin(Bob, "<item jid='carol@localhost' affiliation='member'/>").Type); // admins manage members
        Assert.Equal("conflict", Admin(Alice, "<item jid='alice@localhost' affiliation='admin'/>").Condition);
        Assert.Equal("forbidden", Admin(Carol, "<item jid='dave@localhost' affiliation='member'/>").Condition);
    }

    [Fact]
    public void Losing_membership_of_a_members_only_room_removes_with_321_and_making_it_members_only_removes_others_with_322()
    {
        Admin(Alice, "<item jid='bob@localhost' affiliation='member'/>");
        _muc.Take();
        _muc.Configure(Alice, Room, (RoomConfigForm.MembersOnly, "1"));
        var carolGone = _muc.Take().Single(p => (string?)p.Attribute("to") == Carol && (string?)p.Attribute("type") == "unavailable");
        Assert.Contains(322, Codes(carolGone));
        Assert.Equal("result", Admin(Alice, "<item jid='bob@localhost' affiliation='none'/>").Type);
        var bobGone = _muc.Take().Single(p => (string?)p.Attribute("to") == Bob);
        Assert.Contains(321, Codes(bobGone));
    }

    [Fact]
    public void An_owner_destroys_the_room_and_every_occupant_gets_unavailable_with_destroy()
    {
        Assert.Equal("forbidden", Condition(_muc.Iq(Bob, Room, "set", $"<query xmlns='{MucNs.Owner}'><destroy/></query>")));
        var answer = _muc.Iq(Alice, Room, "set", $"<query xmlns='{MucNs.Owner}'><destroy jid='new@{Service}'><reason>moved</reason></destroy></query>");
        Assert.Equal("result", (string?)answer.Attribute("type"));
        var presences = _muc.Take().Where(s => s.Name.LocalName == "presence").ToArray();
        Assert.Equal(3, presences.Length);
        Assert.All(presences, p => Assert.Equal("moved", p.Element(User + "x")!.Element(User + "destroy")?.Element(User + "reason")?.Value));
        Assert.Equal("item-not-found", Condition(_muc.Iq(Bob, Room, "get", "<query xmlns='http://jabber.org/protocol/disco#info'/>")));
    }
}
