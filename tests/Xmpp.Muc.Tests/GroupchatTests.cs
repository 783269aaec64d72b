using System.Xml.Linq;
using Xmpp.Muc.Protocol;
using static Xmpp.Muc.Tests.MucHarness;

namespace Xmpp.Muc.Tests;

/// <summary>XEP-0045 §7.4-7.8, 7.13, 8.1: groupchat, subject, private messages, invitations, voice requests, leaving.</summary>
public sealed class GroupchatTests : IDisposable
{
    private const string Room = "room@" + Service;
    private const string Alice = "alice@localhost/phone";
    private const string Bob = "bob@localhost/laptop";
    private const string Carol = "carol@localhost/desk";
    private static readonly XName OccupantId = XName.Get("occupant-id", MucNs.OccupantId);
    private static readonly XName StanzaId = XName.Get("stanza-id", MucNs.StanzaId);
    private readonly MucHarness _muc = new();

    public GroupchatTests()
    {
        _muc.CreateInstant(Alice, Room, "alice");
        _muc.Join(Bob, Room, "bob");
    }

    public void Dispose() => _muc.Dispose();

    [Fact]
    public void A_message_reaches_every_occupant_once_from_the_senders_occupant_jid_with_the_rooms_own_ids()
    {
        _muc.In($"<message from='{Bob}' to='{Room}' type='groupchat' id='m1'><body>hi</body>" +
                $"<occupant-id xmlns='{MucNs.OccupantId}' id='forged'/><stanza-id xmlns='{MucNs.StanzaId}' by='{Room}' id='forged'/></message>");
        var sent = _muc.Take();
        Assert.Equal([Alice, Bob], sent.Select(s => (string)s.Attribute("to")!).Order());
        Assert.All(sent, m =>
        {
            Assert.Equal(($"{Room}/bob", "groupchat", "m1"), ((string?)m.Attribute("from"), (string?)m.Attribute("type"), (string?)m.Attribute("id")));
            Assert.NotEqual("forged", (string?)m.Elements(OccupantId).Single().Attribute("id"));
            Assert.NotEqual("forged", (string?)m.Elements(StanzaId).Single().Attribute("id"));
        });
    }

    [Fact]
    public void A_non_occupant_gets_not_acceptable_and_a_visitor_in_a_moderated_room_forbidden()
    {
        _muc.In($"<message from='{Carol}' to='{Room}' type='groupchat' id='x'><body>let me in</body></message>");
        Assert.Equal("not-acceptable", Condition(_muc.Take().Single()));

        _muc.Configure(Alice, Room, (RoomConfigForm.Moderated, "1"));
        _muc.Take();
        var carolSelf = _muc.Join(Carol, Room, "carol").Single(s => Codes(s).Contains(110));
        Assert.Equal("visitor", (string?)Item(carolSelf)!.Attribute("role"));
        _muc.In($"<message from='{Carol}' to='{Room}' type='groupchat' id='x'><body>may I?</body></message>");
        var refused = _muc.Take().Single();
        Assert.Equal(("forbidden", Carol), (Condition(refused), (string?)refused.Attribute("to")));
    }

    [Fact]
    public void Only_moderators_change_the_subject_unless_the_room_allows_it_and_the_subject_is_sent_on_entering()
    {
        _muc.In($"<message from='{Bob}' to='{Room}' type='groupchat' id='s1'><subject>bob's topic</subject></message>");
        Assert.Equal("forbidden", Condition(_muc.Take().Single()));
        _muc.In($"<message from='{Alice}' to='{Room}' type='groupchat' id='s2'><subject>the topic</subject></message>");
        Assert.Equal(2, _muc.Take().Count(m => m.Element(Client + "subject")?.Value == "the topic"));
        var subject = _muc.Join(Carol, Room, "carol").Last();
        Assert.Equal(("the topic", $"{Room}/alice"), (subject.Element(Client + "subject")?.Value, (string?)subject.Attribute("from")));

        _muc.Configure(Alice, Room, (RoomConfigForm.ChangeSubject, "1"));
        _muc.Take();
        _muc.In($"<message from='{Bob}' to='{Room}' type='groupchat' id='s3'><subject>bob's topic</subject></message>");
        Assert.Equal(3, _muc.Take().Count(m => m.Element(Client + "subject")?.Value == "bob's topic"));
    }

    [Fact]
    public void A_private_message_goes_to_the_recipients_session_from_the_senders_occupant_jid()
    {
        _muc.In($"<message from='{Bob}' to='{Room}/alice' type='chat' id='pm'><body>psst</body></message>");
        var pm = _muc.Take().Single();
        Assert.Equal((Alice, $"{Room}/bob", "psst"), ((string?)pm.Attribute("to"), (string?)pm.Attribute("from"), pm.Element(Client + "body")?.Value));
        Assert.NotNull(pm.Element(User + "x"));

        _muc.In($"<message from='{Bob}' to='{Room}/nobody' type='chat' id='pm2'><body>?</body></message>");
        Assert.Equal("item-not-found", Condition(_muc.Take().Single()));
        _muc.In($"<message from='{Carol}' to='{Room}/alice' type='chat' id='pm3'><body>?</body></message>");
        Assert.Equal("not-acceptable", Condition(_muc.Take().Single()));
        _muc.In($"<message from='{Bob}' to='{Room}/alice' type='groupchat' id='pm4'><body>?</body></message>");
        Assert.Equal("bad-request", Condition(_muc.Take().Single()));
    }

    [Fact]
    public void A_mediated_invitation_to_a_members_only_room_makes_the_invitee_a_member_and_carries_the_password()
    {
        _muc.Iq(Alice, Room, "set", $"<query xmlns='{MucNs.Admin}'><item jid='bob@localhost' affiliation='member'/></query>");
        _muc.Configure(Alice, Room, (RoomConfigForm.MembersOnly, "1"), (RoomConfigForm.Secret, "pw"));
        _muc.Take();
        _muc.In($"<message from='{Bob}' to='{Room}'><x xmlns='{MucNs.User}'><invite to='carol@localhost'/></x></message>");
        Assert.Equal("forbidden", Condition(_muc.Take().Single())); // bob is not an admin and the room does not allow invitations

        _muc.In($"<message from='{Alice}' to='{Room}' id='inv'><x xmlns='{MucNs.User}'><invite to='carol@localhost'><reason>join us</reason></invite></x></message>");
        var invitation = _muc.Take().Single();
        Assert.Equal(("carol@localhost", Room), ((string?)invitation.Attribute("to"), (string?)invitation.Attribute("from")));
        var invite = invitation.Element(User + "x")!.Element(User + "invite")!;
        Assert.Equal(("alice@localhost", "join us"), ((string?)invite.Attribute("from"), invite.Element(User + "reason")?.Value));
        Assert.Equal("pw", invitation.Element(User + "x")!.Element(User + "password")?.Value);
        Assert.Equal(Room, (string?)invitation.Element(XName.Get("x", MucNs.Conference))?.Attribute("jid"));
        var carolSelf = _muc.Join(Carol, Room, "carol", $"<x xmlns='{MucNs.Muc}'><password>pw</password></x>").Single(s => Codes(s).Contains(110));
        Assert.Equal("member", (string?)Item(carolSelf)!.Attribute("affiliation"));

        _muc.In($"<message from='{Carol}' to='{Room}'><x xmlns='{MucNs.User}'><decline to='alice@localhost'><reason>busy</reason></decline></x></message>");
        var decline = _muc.Take().Single();
        Assert.Equal(("alice@localhost", "carol@localhost"), ((string?)decline.Attribute("to"), (string?)decline.Element(User + "x")!.Element(User + "decline")!.Attribute("from")));
    }

    [Fact]
    public void A_visitor_asks_for_voice_the_moderators_get_the_form_and_approving_it_makes_a_participant()
    {
        _muc.Configure(Alice, Room, (RoomConfigForm.Moderated, "1"));
        _muc.Join(Carol, Room, "carol");
        _muc.In($"<message from='{Carol}' to='{Room}'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>{MucNs.Request}</value></field>" +
                "<field var='muc#role'><value>participant</value></field></x></message>");
        var request = _muc.Take().Single();
        Assert.Equal(Alice, (string?)request.Attribute("to")); // only the moderator
        Assert.Contains(request.Descendants(XName.Get("field", "jabber:x:data")), f => (string?)f.Attribute("var") == "muc#roomnick" && f.Value == "carol");

        _muc.In($"<message from='{Alice}' to='{Room}'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>{MucNs.Request}</value></field>" +
                "<field var='muc#role'><value>participant</value></field><field var='muc#roomnick'><value>carol</value></field>" +
                "<field var='muc#request_allow'><value>true</value></field></x></message>");
        var carolNow = _muc.Take().First(s => (string?)s.Attribute("to") == Carol);
        Assert.Equal("participant", (string?)Item(carolNow)!.Attribute("role"));
    }

    [Fact]
    public void Leaving_tells_everyone_and_an_empty_temporary_room_is_gone_while_a_persistent_one_stays()
    {
        _muc.In($"<presence from='{Bob}' to='{Room}/bob' type='unavailable'><status>bye</status></presence>");
        var sent = _muc.Take();
        Assert.Equal([Alice, Bob], sent.Select(s => (string)s.Attribute("to")!).Order());
        Assert.All(sent, p => Assert.Equal(("unavailable", "none", "bye"), ((string?)p.Attribute("type"), (string?)Item(p)!.Attribute("role"), p.Element(Client + "status")?.Value)));
        Assert.Contains(110, Codes(sent.Single(p => (string?)p.Attribute("to") == Bob)));

        _muc.In($"<presence from='{Alice}' to='{Room}/alice' type='unavailable'/>");
        _muc.Take();
        Assert.Equal("item-not-found", Condition(_muc.Iq(Bob, Room, "get", "<query xmlns='http://jabber.org/protocol/disco#info'/>")));

        _muc.CreateInstant(Alice, "kept@" + Service, "alice");
        _muc.Configure(Alice, "kept@" + Service, (RoomConfigForm.Persistent, "1"));
        _muc.In($"<presence from='{Alice}' to='kept@{Service}/alice' type='unavailable'/>");
        Assert.Equal("result", (string?)_muc.Iq(Bob, "kept@" + Service, "get", "<query xmlns='http://jabber.org/protocol/disco#info'/>").Attribute("type"));
    }

    [Fact]
    public void An_error_from_an_occupants_session_removes_it_with_333_and_so_does_a_returned_stanza()
    {
        _muc.In($"<message from='{Bob}' to='{Room}/alice' type='error'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
        var gone = _muc.Take().Single(p => (string?)p.Attribute("to") == Alice);
        Assert.Equal("unavailable", (string?)gone.Attribute("type"));
        Assert.Equal([333], Codes(gone));

        _muc.Join(Carol, Room, "carol");
        _muc.Muc.Returned(XElement.Parse($"<message xmlns='jabber:client' from='{Room}/alice' to='{Carol}' type='groupchat'><body>x</body></message>"), "RouteNoRoute");
        Assert.Contains(_muc.Take(), p => (string?)p.Attribute("from") == $"{Room}/carol" && Codes(p).Contains(333));
    }
}
