using System.Xml.Linq;
using Xmpp.Muc.Protocol;
using static Xmpp.Muc.Tests.MucHarness;

namespace Xmpp.Muc.Tests;

/// <summary>XEP-0045 §10.2 room configuration by form, what occupants are told of it, and that persistent rooms outlive the service.</summary>
public sealed class ConfigurationTests : IDisposable
{
    private const string Room = "room@" + Service;
    private const string Alice = "alice@localhost/phone";
    private const string Bob = "bob@localhost/laptop";
    private static readonly XNamespace X = "jabber:x:data";
    private readonly MucHarness _muc = new();

    public void Dispose() => _muc.Dispose();

    [Fact]
    public void The_owner_reads_a_roomconfig_form_with_the_usual_fields_and_others_may_not()
    {
        _muc.CreateInstant(Alice, Room, "alice");
        var form = _muc.Iq(Alice, Room, "get", $"<query xmlns='{MucNs.Owner}'/>").Descendants(X + "x").Single();
        var vars = form.Elements(X + "field").Select(f => (string?)f.Attribute("var")).ToArray();
        Assert.Equal(MucNs.RoomConfig, form.Elements(X + "field").First().Value);
        foreach (var field in new[] { "roomname", "roomdesc", "persistentroom", "publicroom", "membersonly", "passwordprotectedroom", "roomsecret",
                                      "moderatedroom", "whois", "changesubject", "allowinvites", "maxusers", "historylength" })
            Assert.Contains("muc#roomconfig_" + field, vars);
        Assert.Contains("mam", vars);
        _muc.Join(Bob, Room, "bob");
        Assert.Equal("forbidden", Condition(_muc.Iq(Bob, Room, "get", $"<query xmlns='{MucNs.Owner}'/>")));
    }

    [Fact]
    public void Invalid_values_are_not_acceptable_and_change_nothing()
    {
        _muc.CreateInstant(Alice, Room, "alice");
        Assert.Equal("not-acceptable", Condition(_muc.Configure(Alice, Room, (RoomConfigForm.WhoIsField, "everybody"))));
        Assert.Equal("not-acceptable", Condition(_muc.Configure(Alice, Room, (RoomConfigForm.PasswordProtected, "1"))));
        Assert.Equal("not-acceptable", Condition(_muc.Configure(Alice, Room, (RoomConfigForm.MaxUsers, "100000"))));
        Assert.Equal("not-acceptable", Condition(_muc.Configure(Alice, Room, (RoomConfigForm.Persistent, "maybe"))));
        Assert.Contains("muc_temporary", Features(Room));
    }

    [Fact]
    public void Occupants_hear_of_a_changed_configuration_104_and_of_anonymity_and_logging_changes()
    {
        _muc.CreateInstant(Alice, Room, "alice");
        _muc.Join(Bob, Room, "bob");
        _muc.Configure(Alice, Room, (RoomConfigForm.WhoIsField, "anyone"), (RoomConfigForm.Mam, "0"));
        var notice = _muc.Take().Single(m => m.Name.LocalName == "message" && (string?)m.Attribute("to") == Bob);
        Assert.Equal([104, 171, 172], Codes(notice));
        var features = Features(Room);
        Assert.Contains("muc_nonanonymous", features);
        Assert.DoesNotContain(MucNs.Mam, features);
    }

    [Fact]
    public void Cancelling_the_first_configuration_destroys_the_new_room()
    {
        _muc.Join(Alice, Room, "alice");
        _muc.In($"<iq from='{Alice}' to='{Room}' type='set' id='c'><query xmlns='{MucNs.Owner}'><x xmlns='jabber:x:data' type='cancel'/></query></iq>");
        Assert.Contains(_muc.Take(), s => (string?)s.Attribute("id") == "c" && (string?)s.Attribute("type") == "result");
        Assert.Equal("item-not-found", Condition(_muc.Iq(Bob, Room, "get", "<query xmlns='http://jabber.org/protocol/disco#info'/>")));
    }

    [Fact]
    public void A_persistent_room_its_configuration_affiliations_subject_and_archive_survive_a_new_service_on_the_same_storage()
    {
        _muc.CreateInstant(Alice, Room, "alice");
        _muc.Configure(Alice, Room, (RoomConfigForm.Persistent, "1"), (RoomConfigForm.RoomName, "Kept"), (RoomConfigForm.MembersOnly, "1"), (RoomConfigForm.Secret, "pw"));
        _muc.Iq(Alice, Room, "set", $"<query xmlns='{MucNs.Admin}'><item jid='bob@localhost' affiliation='member'/></query>");
        _muc.In($"<message from='{Alice}' to='{Room}' type='groupchat'><subject>kept topic</subject></message>");
        _muc.In($"<message from='{Alice}' to='{Room}' type='groupchat'><body>kept message</body></message>");
        _muc.Take();

        using var again = new MucHarness(directory: _muc.Directory);
        var info = again.Iq(Bob, Room, "get", "<query xmlns='http://jabber.org/protocol/disco#info'/>");
        Assert.Equal("Kept", (string?)info.Descendants(XName.Get("identity", MucNs.DiscoInfo)).Single().Attribute("name"));
        var features = info.Descendants(XName.Get("feature", MucNs.DiscoInfo)).Select(f => (string?)f.Attribute("var")).ToArray();
        Assert.Contains("muc_persistent", features);
        Assert.Contains("muc_membersonly", features);
        Assert.Contains("muc_passwordprotected", features);
        var bobGot = again.Join(Bob, Room, "bob", $"<x xmlns='{MucNs.Muc}'><password>pw</password></x>");
        var self = bobGot.Single(s => Codes(s).Contains(110));
        Assert.Equal("member", (string?)Item(self)!.Attribute("affiliation"));
        Assert.Contains(bobGot, m => m.Element(Client + "body")?.Value == "kept message");
        Assert.Equal("kept topic", bobGot.Last().Element(Client + "subject")?.Value);
        Assert.Equal("registration-required", Condition(again.Join("carol@localhost/x", Room, "carol").Single()));
    }

    private string[] Features(string room) =>
        _muc.Iq(Bob, room, "get", "<query xmlns='http://jabber.org/protocol/disco#info'/>", id: "features")
            .Descendants(XName.Get("feature", MucNs.DiscoInfo)).Select(f => (string)f.Attribute("var")!).ToArray();
}
