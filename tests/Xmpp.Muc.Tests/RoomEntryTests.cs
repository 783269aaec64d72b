using Xmpp.Muc.Protocol;
using static Xmpp.Muc.Tests.MucHarness;

namespace Xmpp.Muc.Tests;

/// <summary>XEP-0045 §7.2 and §10.1: entering rooms, creating them, and every reason to be refused.</summary>
public sealed class RoomEntryTests : IDisposable
{
    private const string Room = "room@" + Service;
    private const string Alice = "alice@localhost/phone";
    private const string Bob = "bob@localhost/laptop";
    private const string Carol = "carol@localhost/desk";
    private readonly MucHarness _muc = new();

    public void Dispose() => _muc.Dispose();

    [Fact]
    public void The_first_to_enter_creates_a_locked_room_as_owner_and_nobody_else_enters_until_it_is_configured()
    {
        var got = _muc.Join(Alice, Room, "alice");
        var self = got.Single(s => s.Name.LocalName == "presence");
        Assert.Equal([201, 110], Codes(self).Where(c => c is 201 or 110));
        Assert.Equal(("owner", "moderator"), ((string?)Item(self)!.Attribute("affiliation"), (string?)Item(self)!.Attribute("role")));
        Assert.Contains(got, s => s.Name.LocalName == "message" && s.Element(Client + "subject") is not null); // the subject ends the join

        var refused = _muc.Join(Bob, Room, "bob").Single();
        Assert.Equal(("error", "item-not-found"), ((string?)refused.Attribute("type"), Condition(refused)));

        _muc.In($"<iq from='{Alice}' to='{Room}' type='set' id='instant'><query xmlns='{MucNs.Owner}'><x xmlns='jabber:x:data' type='submit'/></query></iq>");
        Assert.Equal("result", (string?)_muc.Take().Single().Attribute("type"));
        var bobSelf = _muc.Join(Bob, Room, "bob").Single(s => s.Name.LocalName == "presence" && Codes(s).Contains(110));
        Assert.DoesNotContain(201, Codes(bobSelf));
    }

    [Fact]
    public void A_client_without_muc_support_gets_an_instant_room_at_once()
    {
        _muc.Join(Alice, Room, "alice", x: "");
        var bobGot = _muc.Join(Bob, Room, "bob");
        Assert.Contains(bobGot, s => s.Name.LocalName == "presence" && Codes(s).Contains(110));
    }

    [Fact]
    public void The_newcomer_gets_the_occupants_first_then_itself_then_the_subject_and_the_others_see_it_enter()
    {
        _muc.CreateInstant(Alice, Room, "alice");
        _muc.In($"<presence from='{Bob}' to='{Room}/bob'><x xmlns='{MucNs.Muc}'/><show>away</show><status>lunch</status></presence>");
        var toBob = _muc.To(Bob);
        Assert.Equal([$"{Room}/alice", $"{Room}/bob", Room], toBob.Select(s => (string)s.Attribute("from")!));
        Assert.Null(Item(toBob[0])!.Attribute("jid")); // semi-anonymous: a participant does not see real JIDs
        var toAlice = _muc.To(Alice).Single();
        Assert.Equal(Bob, (string?)Item(toAlice)!.Attribute("jid")); // a moderator does
        Assert.Equal("away", toAlice.Element(Client + "show")?.Value);
        Assert.Empty(Codes(toAlice));
    }

    [Fact]
    public void A_taken_nick_is_a_conflict_and_the_error_comes_from_the_occupant_jid()
    {
        _muc.CreateInstant(Alice, Room, "alice");
        var refused = _muc.Join(Bob, Room, "alice").Single();
        Assert.Equal(("error", "conflict", $"{Room}/alice"), ((string?)refused.Attribute("type"), Condition(refused), (string?)refused.Attribute("from")));
    }

    [Fact]
    public void A_password_protected_room_refuses_a_wrong_password_with_not_authorized_and_never_echoes_it()
    {
        _muc.CreateInstant(Alice, Room, "alice");
        Assert.Equal("result", (string?)_muc.Configure(Alice, Room, (RoomConfigForm.PasswordProtected, "1"), (RoomConfigForm.Secret, "s3cret")).Attribute("type"));
        _muc.Take();
        var refused = _muc.Join(Bob, Room, "bob", $"<x xmlns='{MucNs.Muc}'><password>wrong</password></x>").Single();
        Assert.Equal(("error", "not-authorized"), ((string?)refused.Attribute("type"), Condition(refused)));
        Assert.DoesNotContain("wrong", refused.ToString());
        Assert.Contains(_muc.Join(Bob, Room, "bob", $"<x xmlns='{MucNs.Muc}'><password>s3cret</password></x>"), s => Codes(s).Contains(110));
    }

    [Fact]
    public void A_members_only_room_refuses_others_with_registration_required_and_an_outcast_is_forbidden()
    {
        _muc.CreateInstant(Alice, Room, "alice");
        _muc.Configure(Alice, Room, (RoomConfigForm.MembersOnly, "1"));
        var refused = _muc.Join(Bob, Room, "bob").Single();
        Assert.Equal(("error", "registration-required"), ((string?)refused.Attribute("type"), Condition(refused)));

        Assert.Equal("result", (string?)_muc.Iq(Alice, Room, "set", $"<query xmlns='{MucNs.Admin}'><item jid='carol@localhost' affiliation='outcast'/></query>").Attribute("type"));
        var banned = _muc.Join(Carol, Room, "carol").Single();
        Assert.Equal(("error", "forbidden", "auth"), ((string?)banned.Attribute("type"), Condition(banned), (string?)banned.Element(Client + "error")!.Attribute("type")));
    }

    [Fact]
    public void A_full_room_refuses_with_service_unavailable_but_lets_its_owner_in()
    {
        _muc.CreateInstant(Alice, Room, "alice");
        _muc.Configure(Alice, Room, (RoomConfigForm.MaxUsers, "2"));
        _muc.Join(Bob, Room, "bob");
        var refused = _muc.Join(Carol, Room, "carol").Single();
        Assert.Equal(("error", "service-unavailable"), ((string?)refused.Attribute("type"), Condition(refused)));
        Assert.Contains(_muc.Join("alice@localhost/tablet", Room, "alice2"), s => Codes(s).Contains(110));
    }

    [Fact]
    public void Room_creation_restricted_to_service_admins_and_bounded_by_max_rooms()
    {
        using var restricted = new MucHarness(new MucOptions { RestrictRoomCreation = true, Admins = ["alice@localhost"], MaxRooms = 1 });
        var refused = restricted.Join(Bob, Room, "bob").Single();
        Assert.Equal("not-allowed", Condition(refused));
        restricted.CreateInstant(Alice, Room, "alice");
        var full = restricted.Join(Alice, "second@" + Service, "alice").Single();
        Assert.Equal("resource-constraint", Condition(full));
    }

    [Fact]
    public void Presence_to_the_room_without_a_nick_is_jid_malformed()
    {
        _muc.In($"<presence from='{Bob}' to='{Room}'><x xmlns='{MucNs.Muc}'/></presence>");
        Assert.Equal("jid-malformed", Condition(_muc.Take().Single()));
    }

    [Fact]
    public void Occupant_ids_are_stable_per_user_within_a_room_and_differ_between_users_and_rooms()
    {
        _muc.CreateInstant(Alice, Room, "alice");
        string Id(IEnumerable<System.Xml.Linq.XElement> got, string from) =>
            (string)got.First(s => (string?)s.Attribute("from") == from).Element(System.Xml.Linq.XName.Get("occupant-id", MucNs.OccupantId))!.Attribute("id")!;
        var first = Id(_muc.Join(Bob, Room, "bob"), $"{Room}/bob");
        _muc.In($"<presence from='{Bob}' to='{Room}/bob' type='unavailable'/>");
        _muc.Take();
        var again = Id(_muc.Join("bob@localhost/other-device", Room, "bobby"), $"{Room}/bobby");
        Assert.Equal(first, again);
        var aliceId = Id(_muc.Join("alice@localhost/tablet", Room, "alice2"), $"{Room}/alice2");
        Assert.NotEqual(first, aliceId);
        _muc.CreateInstant(Bob, "other@" + Service, "bob");
        var elsewhere = Id(_muc.Join("bob@localhost/third", "other@" + Service, "b3"), $"other@{Service}/b3");
        Assert.NotEqual(first, elsewhere);
    }

    [Fact]
    public void History_on_entering_follows_maxstanzas_and_carries_delay_from_the_room()
    {
        _muc.CreateInstant(Alice, Room, "alice");
        for (var i = 1; i <= 3; i++)
        {
            _muc.Clock.Advance(TimeSpan.FromMinutes(1));
            _muc.In($"<message from='{Alice}' to='{Room}' type='groupchat'><body>m{i}</body></message>");
        }
        _muc.Take();
        var got = _muc.Join(Bob, Room, "bob", $"<x xmlns='{MucNs.Muc}'><history maxstanzas='2'/></x>");
        var history = got.Where(s => s.Element(Client + "body") is not null).ToArray();
        Assert.Equal(["m2", "m3"], history.Select(m => m.Element(Client + "body")!.Value));
        Assert.All(history, m => Assert.Equal(Room, (string?)m.Element(System.Xml.Linq.XName.Get("delay", MucNs.Delay))!.Attribute("from")));
        var none = _muc.Join(Carol, Room, "carol", $"<x xmlns='{MucNs.Muc}'><history maxchars='0'/></x>");
        Assert.DoesNotContain(none, s => s.Element(Client + "body") is not null);
    }
}
