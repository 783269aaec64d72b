using System.Xml.Linq;
using Xmpp.Muc.Protocol;
using static Xmpp.Muc.Tests.MucHarness;

namespace Xmpp.Muc.Tests;

/// <summary>XEP-0313 at the room's JID: paging both ways, filters, unknown ids, who may read, the per-room bound.</summary>
public sealed class ArchiveTests : IDisposable
{
    private const string Room = "room@" + Service;
    private const string Alice = "alice@localhost/phone";
    private const string Bob = "bob@localhost/laptop";
    private static readonly XNamespace Mam = MucNs.Mam;
    private static readonly XNamespace Rsm = MucNs.Rsm;
    private readonly MucHarness _muc = new(new MucOptions { MaxArchiveMessagesPerRoom = 5 });

    public ArchiveTests()
    {
        _muc.CreateInstant(Alice, Room, "alice");
        _muc.Join(Bob, Room, "bob");
        for (var i = 1; i <= 7; i++)
        {
            _muc.Clock.Advance(TimeSpan.FromMinutes(1));
            _muc.In($"<message from='{(i % 2 == 0 ? Bob : Alice)}' to='{Room}' type='groupchat'><body>m{i}</body></message>");
        }
        _muc.In($"<message from='{Alice}' to='{Room}' type='groupchat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>");
        _muc.Take();
    }

    public void Dispose() => _muc.Dispose();

    private (string[] Bodies, XElement Fin, XElement Answer) Query(string from, string inner)
    {
        var answer = _muc.Iq(from, Room, "set", $"<query xmlns='{MucNs.Mam}' queryid='q'>{inner}</query>");
        var bodies = _muc.To(from).Where(m => m.Element(Mam + "result") is { } r && (string?)r.Attribute("queryid") == "q")
            .Select(m => m.Descendants(Client + "body").Single().Value).ToArray();
        _muc.Take();
        return (bodies, answer.Element(Mam + "fin")!, answer);
    }

    [Fact]
    public void The_archive_keeps_the_last_messages_with_a_body_within_the_bound_and_pages_forwards()
    {
        var (all, fin, _) = Query(Bob, "");
        Assert.Equal(["m3", "m4", "m5", "m6", "m7"], all); // 5 kept, chat states never
        Assert.Equal("true", (string?)fin.Attribute("complete"));
        Assert.Equal("5", fin.Element(Rsm + "set")!.Element(Rsm + "count")!.Value);

        var (first, fin1, _) = Query(Bob, $"<set xmlns='{MucNs.Rsm}'><max>2</max></set>");
        Assert.Equal(["m3", "m4"], first);
        Assert.Null(fin1.Attribute("complete"));
        var last = fin1.Element(Rsm + "set")!.Element(Rsm + "last")!.Value;
        var (next, _, _) = Query(Bob, $"<set xmlns='{MucNs.Rsm}'><max>2</max><after>{last}</after></set>");
        Assert.Equal(["m5", "m6"], next);
    }

    [Fact]
    public void An_empty_before_gives_the_last_page_and_before_pages_backwards()
    {
        var (page, fin, _) = Query(Bob, $"<set xmlns='{MucNs.Rsm}'><max>2</max><before/></set>");
        Assert.Equal(["m6", "m7"], page);
        Assert.Equal("3", (string?)fin.Element(Rsm + "set")!.Element(Rsm + "first")!.Attribute("index"));
        var first = fin.Element(Rsm + "set")!.Element(Rsm + "first")!.Value;
        var (earlier, _, _) = Query(Bob, $"<set xmlns='{MucNs.Rsm}'><max>2</max><before>{first}</before></set>");
        Assert.Equal(["m4", "m5"], earlier);
    }

    [Fact]
    public void Filters_by_occupant_and_time_and_an_unknown_id_is_item_not_found()
    {
        var with = $"<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>{MucNs.Mam}</value></field><field var='with'><value>{Room}/bob</value></field></x>";
        Assert.Equal(["m4", "m6"], Query(Alice, with).Bodies);
        var start = RoomArchive.Stamp(_muc.Clock.GetUtcNow().AddMinutes(-1.5));
        var since = $"<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>{MucNs.Mam}</value></field><field var='start'><value>{start}</value></field></x>";
        Assert.Equal(["m6", "m7"], Query(Alice, since).Bodies);
        Assert.Equal("item-not-found", Condition(Query(Alice, $"<set xmlns='{MucNs.Rsm}'><after>nope</after></set>").Answer));
    }

    [Fact]
    public void A_message_carries_the_stanza_id_it_is_archived_under()
    {
        _muc.In($"<message from='{Alice}' to='{Room}' type='groupchat'><body>m8</body></message>");
        var id = (string?)_muc.Take().First().Element(XName.Get("stanza-id", MucNs.StanzaId))!.Attribute("id");
        var answer = _muc.Iq(Bob, Room, "set", $"<query xmlns='{MucNs.Mam}'><set xmlns='{MucNs.Rsm}'><max>1</max><before/></set></query>");
        Assert.Equal(id, (string?)_muc.To(Bob).Single(m => m.Element(Mam + "result") is not null).Element(Mam + "result")!.Attribute("id"));
        Assert.Equal("result", (string?)answer.Attribute("type"));
    }

    [Fact]
    public void Expired_messages_are_deleted_and_the_bound_keeps_counting_what_is_left()
    {
        var options = Microsoft.Extensions.Options.Options.Create(new MucOptions { ArchiveRetention = TimeSpan.FromMinutes(2.5) });
        var expiry = new ArchiveExpiry(options, _muc.Store, _muc.Muc, _muc.Clock, new Xmpp.Muc.Telemetry.MucTelemetry(),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<ArchiveExpiry>.Instance);
        Assert.Equal(2, expiry.ExpireOnce()); // m3 and m4 are older than 2.5 minutes
        Assert.Equal(["m5", "m6", "m7"], Query(Bob, "").Bodies);

        _muc.In($"<message from='{Alice}' to='{Room}' type='groupchat'><body>m8</body></message>");
        _muc.In($"<message from='{Alice}' to='{Room}' type='groupchat'><body>m9</body></message>");
        _muc.Take();
        Assert.Equal(["m5", "m6", "m7", "m8", "m9"], Query(Bob, "").Bodies); // room for two more: nothing pushed out
    }

    [Fact]
    public void Outcasts_may_not_read_and_in_members_only_rooms_only_members()
    {
        _muc.Iq(Alice, Room, "set", $"<query xmlns='{MucNs.Admin}'><item jid='eve@localhost' affiliation='outcast'/></query>");
        Assert.Equal("forbidden", Condition(Query("eve@localhost/x", "").Answer));
        _muc.Configure(Alice, Room, (RoomConfigForm.MembersOnly, "1"));
        _muc.Take();
        Assert.Equal("forbidden", Condition(Query("mallory@localhost/x", "").Answer));
        Assert.Equal(5, Query(Alice, "").Bodies.Length);
    }
}
