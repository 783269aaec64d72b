using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Sm.Tests.Stores;
using static Xmpp.Sm.Tests.SmHarness;

namespace Xmpp.Sm.Tests;

/// <summary>RFC 6121 §2 roster get/set/remove with pushes.</summary>
public abstract class RosterTests : IDisposable
{
    private static readonly XNamespace R = Ns.Roster;
    private readonly IStoreProvider _stores;
    private readonly SmHarness _h;

    protected RosterTests(IStoreProvider stores)
    {
        _stores = stores;
        _h = new(store: stores.NewStore());
        _h.CreateUser("alice");
    }

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Roster_get_returns_the_items_and_marks_the_session_interested()
    {
        var alice = _h.Online("alice@localhost/phone");

        var result = SingleStanzaTo(_h.Send(alice, "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>"), alice);

        Assert.Equal("result", (string?)result.Attribute("type"));
        Assert.Empty(result.Element(R + "query")!.Elements());
        Assert.True(_h.Sm.Sessions.Find(alice.SmSession)!.Interested);
    }

    [Fact]
    public void Roster_set_stores_the_item_and_pushes_it_to_interested_resources()
    {
        var phone = _h.Online("alice@localhost/phone");
        var laptop = _h.Online("alice@localhost/laptop");
        var quiet = _h.Online("alice@localhost/quiet");
        _h.Send(phone, "<iq type='get' id='g1'><query xmlns='jabber:iq:roster'/></iq>");
        _h.Send(laptop, "<iq type='get' id='g2'><query xmlns='jabber:iq:roster'/></iq>");
        _h.Take();

        var frames = _h.Send(phone, "<iq type='set' id='s1'><query xmlns='jabber:iq:roster'><item jid='Bob@localhost' name='Bob'><group>Friends</group></item></query></iq>");

        var toPhone = StanzasTo(frames, phone);
        Assert.Contains(toPhone, s => (string?)s.Attribute("type") == "result" && (string?)s.Attribute("id") == "s1");
        var push = Assert.Single(StanzasTo(frames, laptop));
        Assert.Equal("set", (string?)push.Attribute("type"));
        var item = push.Element(R + "query")!.Element(R + "item")!;
        Assert.Equal("bob@localhost", (string?)item.Attribute("jid"));
        Assert.Equal("Bob", (string?)item.Attribute("name"));
        Assert.Equal("none", (string?)item.Attribute("subscription"));
        Assert.Equal("Friends", item.Element(R + "group")!.Value);
        Assert.Equal(2, toPhone.Count); // result + its own push
        Assert.Empty(StanzasTo(frames, quiet));

        var roster = SingleStanzaTo(_h.Send(quiet, "<iq type='get' id='g3'><query xmlns='jabber:iq:roster'/></iq>"), quiet);
        Assert.Equal("bob@localhost", (string?)Assert.Single(roster.Element(R + "query")!.Elements()).Attribute("jid"));
    }

    [Fact]
    public void Roster_remove_deletes_the_item_or_answers_item_not_found()
    {
        var alice = _h.Online("alice@localhost/phone");
        _h.Send(alice, "<iq type='set' id='s1'><query xmlns='jabber:iq:roster'><item jid='bob@localhost'/></query></iq>");

        var result = SingleStanzaTo(_h.Send(alice, "<iq type='set' id='s2'><query xmlns='jabber:iq:roster'><item jid='bob@localhost' subscription='remove'/></query></iq>"), alice);
        Assert.Equal("result", (string?)result.Attribute("type"));
        Assert.Empty(_h.Storage.GetRoster("alice@localhost"));

        var error = SingleStanzaTo(_h.Send(alice, "<iq type='set' id='s3'><query xmlns='jabber:iq:roster'><item jid='bob@localhost' subscription='remove'/></query></iq>"), alice);
        Assert.Equal("item-not-found", ErrorCondition(error));
    }

    [Fact]
    public void Roster_set_with_two_items_is_a_bad_request_and_the_limit_is_enforced()
    {
        using var h = new SmHarness(o => o.RosterLimit = 1, store: _stores.NewStore());
        h.CreateUser("alice");
        var alice = h.Online("alice@localhost/phone");

        var twoItems = SingleStanzaTo(h.Send(alice, "<iq type='set' id='s1'><query xmlns='jabber:iq:roster'><item jid='a@localhost'/><item jid='b@localhost'/></query></iq>"), alice);
        Assert.Equal("bad-request", ErrorCondition(twoItems));

        h.Send(alice, "<iq type='set' id='s2'><query xmlns='jabber:iq:roster'><item jid='a@localhost'/></query></iq>");
        var full = SingleStanzaTo(h.Send(alice, "<iq type='set' id='s3'><query xmlns='jabber:iq:roster'><item jid='b@localhost'/></query></iq>"), alice);
        Assert.Equal("not-allowed", ErrorCondition(full));
    }
}

public sealed class RosterTestsOnSqlite() : RosterTests(StoreProviders.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class RosterTestsOnPostgres(PostgresFixture postgres) : RosterTests(postgres);
