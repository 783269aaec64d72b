using System.Xml.Linq;
using Xmpp.Muc.Protocol;
using static Xmpp.Muc.Tests.MucHarness;

namespace Xmpp.Muc.Tests;

/// <summary>The service's own JID and occupant JIDs: disco (§6), XEP-0410 self-ping, and what it refuses.</summary>
public sealed class ServiceTests : IDisposable
{
    private const string Alice = "alice@localhost/phone";
    private const string Bob = "bob@localhost/laptop";
    private readonly MucHarness _muc = new();

    public void Dispose() => _muc.Dispose();

    [Fact]
    public void The_service_is_a_conference_identity_and_lists_its_public_rooms_only()
    {
        var info = _muc.Iq(Alice, Service, "get", "<query xmlns='http://jabber.org/protocol/disco#info'/>");
        var identity = info.Descendants(XName.Get("identity", MucNs.DiscoInfo)).Single();
        Assert.Equal(("conference", "text"), ((string?)identity.Attribute("category"), (string?)identity.Attribute("type")));
        Assert.Contains(info.Descendants(XName.Get("feature", MucNs.DiscoInfo)), f => (string?)f.Attribute("var") == MucNs.Muc);

        _muc.CreateInstant(Alice, "open@" + Service, "alice");
        _muc.CreateInstant(Alice, "hidden@" + Service, "alice");
        _muc.Configure(Alice, "hidden@" + Service, (RoomConfigForm.Public, "0"));
        _muc.Join(Alice, "locked@" + Service, "alice"); // not configured yet
        var items = _muc.Iq(Bob, Service, "get", "<query xmlns='http://jabber.org/protocol/disco#items'/>", id: "items")
            .Descendants(XName.Get("item", MucNs.DiscoItems)).Select(i => (string)i.Attribute("jid")!).ToArray();
        Assert.Equal(["open@" + Service], items);
    }

    [Fact]
    public void A_room_tells_its_features_and_roominfo()
    {
        _muc.CreateInstant(Alice, "room@" + Service, "alice");
        var info = _muc.Iq(Bob, "room@" + Service, "get", "<query xmlns='http://jabber.org/protocol/disco#info'/>");
        var features = info.Descendants(XName.Get("feature", MucNs.DiscoInfo)).Select(f => (string)f.Attribute("var")!).ToArray();
        foreach (var f in new[] { MucNs.Muc, "muc_temporary", "muc_public", "muc_open", "muc_unmoderated", "muc_semianonymous", "muc_unsecured",
                                  MucNs.Mam, MucNs.OccupantId, MucNs.SelfPingOptimization, MucNs.StableId })
            Assert.Contains(f, features);
        var occupants = info.Descendants(XName.Get("field", "jabber:x:data")).Single(f => (string?)f.Attribute("var") == "muc#roominfo_occupants");
        Assert.Equal("1", occupants.Value);
    }

    [Fact]
    public void An_occupant_pinging_itself_gets_a_result_and_anyone_else_not_acceptable()
    {
        _muc.CreateInstant(Alice, "room@" + Service, "alice");
        Assert.Equal("result", (string?)_muc.Iq(Alice, $"room@{Service}/alice", "get", "<ping xmlns='urn:xmpp:ping'/>").Attribute("type"));
        Assert.Equal("not-acceptable", Condition(_muc.Iq(Bob, $"room@{Service}/alice", "get", "<ping xmlns='urn:xmpp:ping'/>")));
        Assert.Equal("not-acceptable", Condition(_muc.Iq("alice@localhost/other", $"room@{Service}/alice", "get", "<ping xmlns='urn:xmpp:ping'/>")));
    }

    [Fact]
    public void An_iq_to_another_occupant_goes_to_its_session_and_the_answer_comes_back_without_revealing_real_jids()
    {
        _muc.CreateInstant(Alice, "room@" + Service, "alice");
        _muc.Join(Bob, "room@" + Service, "bob");
        _muc.In($"<iq from='{Bob}' to='room@{Service}/alice' type='get' id='v1'><vCard xmlns='vcard-temp'/></iq>");
        var forwarded = _muc.Take().Single();
        Assert.Equal((Alice, $"room@{Service}/bob", "get"), ((string?)forwarded.Attribute("to"), (string?)forwarded.Attribute("from"), (string?)forwarded.Attribute("type")));
        var id = (string)forwarded.Attribute("id")!;
        Assert.NotEqual("v1", id);

        _muc.In($"<iq from='bob@localhost/other' to='room@{Service}/bob' type='result' id='{id}'><vCard xmlns='vcard-temp'><FN>forged</FN></vCard></iq>");
        Assert.Empty(_muc.Take()); // only the addressee answers
        _muc.In($"<iq from='{Alice}' to='room@{Service}/bob' type='result' id='{id}'><vCard xmlns='vcard-temp'><FN>Alice</FN></vCard></iq>");
        var answer = _muc.Take().Single();
        Assert.Equal((Bob, $"room@{Service}/alice", "v1", "result"),
            ((string?)answer.Attribute("to"), (string?)answer.Attribute("from"), (string?)answer.Attribute("id"), (string?)answer.Attribute("type")));
        Assert.DoesNotContain(Alice, answer.ToString());
    }

    [Fact]
    public void A_stopping_service_tells_every_occupant_332_and_refuses_what_comes_after()
    {
        _muc.CreateInstant(Alice, "room@" + Service, "alice");
        _muc.Join(Bob, "room@" + Service, "bob");
        _muc.Muc.Shutdown();
        var own = _muc.Take().Where(p => (string?)p.Attribute("from") == $"room@{Service}/bob" && (string?)p.Attribute("to") == Bob).Single();
        Assert.Equal("unavailable", (string?)own.Attribute("type"));
        Assert.Equal([332, 110], Codes(own));
        _muc.In($"<message from='{Bob}' to='room@{Service}' type='groupchat' id='late'><body>?</body></message>");
        Assert.Equal("service-unavailable", Condition(_muc.Take().Single()));
    }

    [Fact]
    public void Unknown_requests_get_service_unavailable_and_stanzas_for_missing_rooms_item_not_found()
    {
        Assert.Equal("service-unavailable", Condition(_muc.Iq(Alice, Service, "get", "<query xmlns='jabber:iq:version'/>")));
        Assert.Equal("item-not-found", Condition(_muc.Iq(Alice, "none@" + Service, "get", "<query xmlns='http://jabber.org/protocol/disco#info'/>")));
        _muc.Take();
        _muc.In($"<message from='{Alice}' to='none@{Service}' type='groupchat' id='m'><body>?</body></message>");
        Assert.Equal("item-not-found", Condition(_muc.Take().Single()));
        _muc.In($"<presence from='{Alice}' to='none@{Service}/x' type='subscribe'/>");
        Assert.Empty(_muc.Take()); // dropped (logged, counted), never answered
    }
}
