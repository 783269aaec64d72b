using System.Xml.Linq;
using Xmpp.Sm.Modules.Archive;
using Xmpp.Sm.Modules.Carbons;
using Xmpp.Sm.Tests.Stores;
using static Xmpp.Sm.Tests.SmHarness;

namespace Xmpp.Sm.Tests;

/// <summary>XEP-0313 archive, XEP-0359 stanza ids and XEP-0280 carbons in sm: frames in, frames out.</summary>
public abstract class ArchiveModuleTests : IDisposable
{
    private static readonly XNamespace Mam = ArchiveNamespaces.Mam;
    private static readonly XNamespace Sid = ArchiveNamespaces.StanzaIds;
    private readonly ManualClock _clock = new();
    private readonly IStoreProvider _stores;
    private SmHarness _h;

    protected ArchiveModuleTests(IStoreProvider stores)
    {
        _stores = stores;
        _h = Harness();
    }

    private SmHarness Harness(params (string Key, string Value)[] settings)
    {
        var h = new SmHarness(clock: _clock, settings: settings.ToDictionary(s => s.Key, s => (string?)s.Value), store: _stores.NewStore());
        h.CreateUser("alice");
        h.CreateUser("bob");
        return h;
    }

    public void Dispose() => _h.Dispose();

    private long Rows(string user) => _h.Storage.Scalar<long>($"SELECT COUNT(*) FROM archive_messages WHERE user = '{user}'");

    /// <summary>The bodies a query returns to <paramref name="client"/>, and its answer.</summary>
    private (List<string> Bodies, XElement Answer) Query(Client client, string form = "", string rsm = "")
    {
        var frames = _h.Send(client, $"<iq type='set' id='q'><query xmlns='{Mam}' queryid='x'>" +
            (form.Length == 0 ? "" : $"<x xmlns='jabber:x:data' type='submit'>{form}</x>") +
            (rsm.Length == 0 ? "" : $"<set xmlns='{ArchiveNamespaces.Rsm}'>{rsm}</set>") + "</query></iq>");
        var stanzas = StanzasTo(frames, client);
        var bodies = stanzas.Where(s => s.Name.LocalName == "message")
            .Select(m => m.Descendants(C("body")).Single().Value).ToList();
        return (bodies, stanzas.Single(s => s.Name.LocalName == "iq"));
    }

    [Fact]
    public void Both_sides_archive_a_chat_message_and_the_recipient_gets_its_stanza_id()
    {
        var alice = _h.Online("alice@localhost/phone");
        var bob = _h.Online("bob@localhost/pc");
        var delivered = SingleStanzaTo(_h.Send(alice, "<message to='bob@localhost' type='chat' id='m1'><body>hi</body></message>"), bob);

        var ids = delivered.Elements(Sid + "stanza-id").ToDictionary(s => (string)s.Attribute("by")!, s => (string)s.Attribute("id")!);
        Assert.Equal(["alice@localhost", "bob@localhost"], ids.Keys.Order());
        Assert.Equal(ids["bob@localhost"], _h.Storage.Scalar<string>("SELECT id FROM archive_messages WHERE user = 'bob@localhost'"));
        Assert.Equal(1, Rows("alice@localhost"));
        Assert.Equal(["hi"], Query(bob).Bodies);
    }

    [Fact]
    public void Headlines_errors_and_messages_without_content_or_with_no_store_are_not_archived()
    {
        var alice = _h.Online("alice@localhost/phone");
        _h.Online("bob@localhost/pc");
        _h.Send(alice, "<message to='bob@localhost' type='headline'><body>news</body></message>");
        _h.Send(alice, "<message to='bob@localhost' type='chat'><active xmlns='http://jabber.org/protocol/chatstates'/></message>");
        _h.Send(alice, "<message to='bob@localhost' type='chat'><body>secret</body><no-store xmlns='urn:xmpp:hints'/></message>");
        Assert.Equal(0, Rows("bob@localhost") + Rows("alice@localhost"));
        _h.Send(alice, "<message to='bob@localhost'><body>normal with a body</body></message>");
        Assert.Equal(1, Rows("bob@localhost"));
    }

    [Fact]
    public void The_quota_removes_the_oldest_messages()
    {
        _h.Dispose();
        _h = Harness(("Sm:Archive:MaxMessagesPerAccount", "2"));
        var alice = _h.Online("alice@localhost/phone");
        _h.Online("bob@localhost/pc");
        foreach (var n in new[] { 1, 2, 3 })
            _h.Send(alice, $"<message to='bob@localhost' type='chat'><body>m{n}</body></message>");
        Assert.Equal(["m2", "m3"], Query(alice).Bodies);
        Assert.Equal(2, _h.Storage.Scalar<long>("SELECT messages FROM archive_counts WHERE user = 'alice@localhost'"));
    }

    [Fact]
    public void Messages_beyond_the_retention_are_not_returned_and_are_removed_at_the_next_login()
    {
        _h.Dispose();
        _h = Harness(("Sm:Archive:RetentionDays", "1"));
        var alice = _h.Online("alice@localhost/phone");
        _h.Online("bob@localhost/pc");
        _h.Send(alice, "<message to='bob@localhost' type='chat'><body>old</body></message>");
        _clock.Now += TimeSpan.FromDays(2);
        _h.Send(alice, "<message to='bob@localhost' type='chat'><body>new</body></message>");
        Assert.Equal(["new"], Query(alice).Bodies);
        Assert.Equal(2, Rows("alice@localhost"));
        _h.Online("alice@localhost/laptop");
        Assert.Equal(1, Rows("alice@localhost"));
    }

    [Fact]
    public void Deleting_an_account_deletes_its_archive_and_prefs()
    {
        var alice = _h.Online("alice@localhost/phone");
        _h.Online("bob@localhost/pc");
        _h.Send(alice, "<iq type='set' id='p'><prefs xmlns='urn:xmpp:mam:2' default='roster'/></iq>");
        _h.Send(alice, "<message to='bob@localhost' type='chat'><body>bye</body></message>");
        _h.Request(Ctl, new Protos.Session { Action = Protos.Session.Types.Action.Delete, Target = "alice@localhost" });
        Assert.Equal(0, Rows("alice@localhost"));
        Assert.Equal(1, Rows("bob@localhost"));
        Assert.Equal(0L, _h.Storage.Scalar<long>("SELECT COUNT(*) FROM archive_prefs WHERE user = 'alice@localhost'"));
        Assert.Equal(0L, _h.Storage.Scalar<long>("SELECT COUNT(*) FROM archive_counts WHERE user = 'alice@localhost'"));
    }

    [Fact]
    public void Prefs_roster_archives_only_contacts_in_the_roster()
    {
        var alice = _h.Online("alice@localhost/phone");
        var bob = _h.Online("bob@localhost/pc");
        var answer = SingleStanzaTo(_h.Send(alice, "<iq type='set' id='p'><prefs xmlns='urn:xmpp:mam:2' default='roster'/></iq>"), alice);
        Assert.Equal("roster", (string?)answer.Element(Mam + "prefs")?.Attribute("default"));
        _h.Send(bob, "<message to='alice@localhost' type='chat'><body>stranger</body></message>");
        Assert.Equal(0, Rows("alice@localhost"));
        _h.Send(alice, "<iq type='set' id='r'><query xmlns='jabber:iq:roster'><item jid='bob@localhost'/></query></iq>");
        _h.Send(bob, "<message to='alice@localhost' type='chat'><body>contact</body></message>");
        Assert.Equal(["contact"], Query(alice).Bodies);
    }

    [Fact]
    public void Prefs_hold_after_the_owner_logged_out_and_in_again()
    {
        var alice = _h.Online("alice@localhost/phone");
        var bob = _h.Online("bob@localhost/pc");
        _h.Send(alice, "<iq type='set' id='p'><prefs xmlns='urn:xmpp:mam:2' default='never'/></iq>");
        _h.Handle(ImAssertions.End(alice));
        _h.Send(bob, "<message to='alice@localhost' type='chat'><body>while away</body></message>");
        Assert.Equal(0, Rows("alice@localhost"));
        alice = _h.Online("alice@localhost/laptop");
        _h.Send(bob, "<message to='alice@localhost' type='chat'><body>back</body></message>");
        Assert.Equal(0, Rows("alice@localhost"));
        var prefs = SingleStanzaTo(_h.Send(alice, "<iq type='get' id='g'><prefs xmlns='urn:xmpp:mam:2'/></iq>"), alice);
        Assert.Equal("never", (string?)prefs.Element(Mam + "prefs")?.Attribute("default"));
        Assert.Equal(2, Rows("bob@localhost"));
    }

    [Theory]
    [InlineData("<field var='with'><value>@@</value></field>", "", "bad-request")]
    [InlineData("<field var='start'><value>yesterday</value></field>", "", "bad-request")]
    [InlineData("<field var='start'><value>2026-01-01T00:00:00</value></field>", "", "bad-request")]
    [InlineData("<field var='fulltext'><value>x</value></field>", "", "bad-request")]
    [InlineData("<field var='FORM_TYPE'><value>urn:xmpp:mam:1</value></field>", "", "bad-request")]
    [InlineData("", "<after>a</after><before>b</before>", "bad-request")]
    [InlineData("", "<max>ten</max>", "bad-request")]
    [InlineData("", "<after>nope</after>", "item-not-found")]
    [InlineData("<field var='after-id'><value>nope</value></field>", "", "item-not-found")]
    public void Bad_queries_get_precise_errors(string form, string rsm, string condition)
    {
        var alice = _h.Online("alice@localhost/phone");
        var (bodies, answer) = Query(alice, form, rsm);
        Assert.Empty(bodies);
        Assert.Equal("error", (string?)answer.Attribute("type"));
        Assert.Equal(condition, ErrorCondition(answer));
    }

    [Fact]
    public void Start_and_end_bound_the_results_and_max_is_capped_by_the_page_size()
    {
        _h.Dispose();
        _h = Harness(("Sm:Archive:MaxPageSize", "2"));
        var alice = _h.Online("alice@localhost/phone");
        _h.Online("bob@localhost/pc");
        var t0 = _clock.Now;
        foreach (var n in new[] { 1, 2, 3, 4 })
        {
            _h.Send(alice, $"<message to='bob@localhost' type='chat'><body>m{n}</body></message>");
            _clock.Now += TimeSpan.FromMinutes(10);
        }
        var (all, fin) = Query(alice, rsm: "<max>100</max>");
        Assert.Equal(["m1", "m2"], all);
        Assert.Null(fin.Element(Mam + "fin")!.Attribute("complete"));
        var start = t0.AddMinutes(5).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ");
        var end = t0.AddMinutes(25).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ");
        var (between, answer) = Query(alice, $"<field var='start'><value>{start}</value></field><field var='end'><value>{end}</value></field>");
        Assert.Equal(["m2", "m3"], between);
        Assert.Equal("true", (string?)answer.Element(Mam + "fin")!.Attribute("complete"));
    }

    [Fact]
    public void A_page_beyond_the_byte_cap_is_cut_short_on_the_side_away_from_where_paging_started()
    {
        _h.Dispose();
        _h = Harness(("Sm:Archive:MaxPageBytes", "1"));
        var alice = _h.Online("alice@localhost/phone");
        foreach (var n in new[] { 1, 2, 3 })
            _h.Send(alice, $"<message to='bob@localhost' type='chat'><body>m{n}</body></message>");
        var (forwards, answer) = Query(alice, rsm: "<max>10</max>");
        Assert.Equal(["m1"], forwards);
        Assert.Null(answer.Element(Mam + "fin")!.Attribute("complete"));
        var (backwards, last) = Query(alice, rsm: "<max>10</max><before/>");
        Assert.Equal(["m3"], backwards);
        var set = last.Element(Mam + "fin")!.Element(XName.Get("set", ArchiveNamespaces.Rsm))!;
        Assert.Equal("2", (string?)set.Element(XName.Get("first", ArchiveNamespaces.Rsm))!.Attribute("index"));
        Assert.Equal("3", set.Element(XName.Get("count", ArchiveNamespaces.Rsm))!.Value);
    }

    [Fact]
    public void Metadata_names_the_first_and_last_message()
    {
        var alice = _h.Online("alice@localhost/phone");
        var empty = SingleStanzaTo(_h.Send(alice, "<iq type='get' id='m'><metadata xmlns='urn:xmpp:mam:2'/></iq>"), alice);
        Assert.Empty(empty.Element(Mam + "metadata")!.Elements());
        _h.Send(alice, "<message to='bob@localhost' type='chat'><body>1</body></message>");
        _h.Send(alice, "<message to='bob@localhost' type='chat'><body>2</body></message>");
        var ids = _h.Storage.Query("SELECT id FROM archive_messages WHERE user = 'alice@localhost' ORDER BY seq", r => r.GetString(0));
        var metadata = SingleStanzaTo(_h.Send(alice, "<iq type='get' id='m'><metadata xmlns='urn:xmpp:mam:2'/></iq>"), alice).Element(Mam + "metadata")!;
        Assert.Equal(ids[0], (string?)metadata.Element(Mam + "start")?.Attribute("id"));
        Assert.Equal(ids[1], (string?)metadata.Element(Mam + "end")?.Attribute("id"));
    }

    [Fact]
    public void Carbons_are_not_sent_for_a_message_that_goes_to_offline_storage_nor_to_the_sender()
    {
        var phone = _h.Online("alice@localhost/phone");
        var laptop = _h.Online("alice@localhost/laptop");
        _h.Send(phone, $"<iq type='set' id='c'><enable xmlns='{CarbonRules.Namespace}'/></iq>");
        _h.Send(laptop, $"<iq type='set' id='c'><enable xmlns='{CarbonRules.Namespace}'/></iq>");
        var frames = _h.Send(phone, "<message to='bob@localhost' type='chat'><body>bob is offline</body></message>");
        Assert.Empty(StanzasTo(frames, phone));
        var carbon = SingleStanzaTo(frames, laptop);
        Assert.NotNull(carbon.Element(XName.Get("sent", CarbonRules.Namespace)));
        Assert.Equal(1, _h.Storage.Count("bob@localhost")); // offline, and no received carbon anywhere
    }

    [Theory]
    [InlineData("<message type='chat'><body>x</body></message>", true)]
    [InlineData("<message><body>x</body></message>", true)]
    [InlineData("<message type='normal'><received xmlns='urn:xmpp:receipts' id='1'/></message>", true)]
    [InlineData("<message type='normal'><subject>no body</subject></message>", false)]
    [InlineData("<message type='chat'><body>x</body><private xmlns='urn:xmpp:carbons:2'/></message>", false)]
    [InlineData("<message type='chat'><body>x</body><no-copy xmlns='urn:xmpp:hints'/></message>", false)]
    [InlineData("<message type='chat'><received xmlns='urn:xmpp:carbons:2'/></message>", false)]
    [InlineData("<message type='groupchat'><body>x</body></message>", false)]
    [InlineData("<message type='headline'><body>x</body></message>", false)]
    [InlineData("<message type='error'><body>x</body></message>", false)]
    public void Carbon_eligibility(string xml, bool eligible) =>
        Assert.Equal(eligible, CarbonRules.IsEligible(ParseClientXml(xml)));
}

public sealed class ArchiveModuleTestsOnSqlite() : ArchiveModuleTests(StoreProviders.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class ArchiveModuleTestsOnPostgres(PostgresFixture postgres) : ArchiveModuleTests(postgres);
