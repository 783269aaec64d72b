using System.Xml.Linq;
using Xmpp.Sm.Tests.Stores;
using static Xmpp.Sm.Tests.ImAssertions;
using static Xmpp.Sm.Tests.SmHarness;

namespace Xmpp.Sm.Tests;

/// <summary>RFC 6121 §2.6 roster versioning and the §2.3.3 roster set errors.</summary>
public abstract class RosterVersioningTests : IDisposable
{
    private readonly IStoreProvider _stores;
    private readonly SmHarness _h;

    protected RosterVersioningTests(IStoreProvider stores)
    {
        _stores = stores;
        _h = new(store: stores.NewStore());
        _h.CreateUser("alice");
    }

    public void Dispose() => _h.Dispose();

    private XElement Get(Client client, string? ver)
    {
        var attr = ver is null ? "" : $" ver='{ver}'";
        return SingleStanzaTo(_h.Send(client, $"<iq type='get' id='g'><query xmlns='jabber:iq:roster'{attr}/></iq>"), client);
    }

    [Fact]
    public void A_current_ver_gets_an_empty_result_and_later_changes_come_as_pushes_with_ver()
    {
        var alice = _h.Start("alice@localhost/phone");
        var first = Get(alice, "");
        var ver = (string?)first.Element(R + "query")!.Attribute("ver");
        Assert.False(string.IsNullOrEmpty(ver));

        var other = _h.Start("alice@localhost/laptop");
        var current = Get(other, ver);
        Assert.Equal("result", (string?)current.Attribute("type"));
        Assert.Empty(current.Elements()); // §2.6.3: nothing to send, the copy is current

        var frames = _h.Send(alice, "<iq type='set' id='s'><query xmlns='jabber:iq:roster'><item jid='bob@localhost' name='Bob'/></query></iq>");
        var push = StanzasTo(frames, other).Single(s => (string?)s.Attribute("type") == "set");
        var pushedVer = (string?)push.Element(R + "query")!.Attribute("ver");
        Assert.NotEqual(ver, pushedVer);

        // a stale version gets the full roster with the new version
        var full = Get(alice, ver).Element(R + "query")!;
        Assert.Equal(pushedVer, (string?)full.Attribute("ver"));
        Assert.Equal("bob@localhost", (string?)Assert.Single(full.Elements()).Attribute("jid"));
        // and the current one an empty result
        Assert.Empty(Get(alice, pushedVer).Elements());
    }

    [Fact]
    public void Every_change_bumps_the_version_and_the_version_survives_a_restart()
    {
        var alice = _h.Interested(_h.Start("alice@localhost/phone"));
        var versions = new List<string>();
        foreach (var xml in new[]
                 {
                     "<item jid='bob@localhost'/>",
                     "<item jid='bob@localhost' name='Bob'><group>Friends</group></item>",
                     "<item jid='bob@localhost' subscription='remove'/>",
                 })
        {
            var frames = _h.Send(alice, $"<iq type='set' id='s'><query xmlns='jabber:iq:roster'>{xml}</query></iq>");
            var push = StanzasTo(frames, alice).Single(s => (string?)s.Attribute("type") == "set");
            versions.Add((string)push.Element(R + "query")!.Attribute("ver")!);
        }
        Assert.Equal(3, versions.Distinct().Count());
        Assert.Equal(long.Parse(versions[^1]), _h.Storage.GetVersion("alice@localhost"));
    }

    [Theory]
    [InlineData("<item jid='a@localhost'/><item jid='b@localhost'/>", "bad-request", "modify")]
    [InlineData("<item jid='a@localhost'><group>G</group><group>G</group></item>", "bad-request", "modify")]
    [InlineData("<item jid='a@localhost'><group></group></item>", "not-acceptable", "modify")]
    [InlineData("<item/>", "bad-request", "modify")]
    [InlineData("<item jid='a@b@c'/>", "jid-malformed", "modify")]
    [InlineData("<item jid='alice@localhost'/>", "not-allowed", "cancel")]
    [InlineData("<item jid='nobody@localhost' subscription='remove'/>", "item-not-found", "cancel")]
    public void Roster_set_errors_carry_the_id_and_the_rfc_condition(string items, string condition, string type)
    {
        var alice = _h.Start("alice@localhost/phone");

        var error = SingleStanzaTo(_h.Send(alice, $"<iq type='set' id='bad-1'><query xmlns='jabber:iq:roster'>{items}</query></iq>"), alice);

        Assert.Equal("error", (string?)error.Attribute("type"));
        Assert.Equal("bad-1", (string?)error.Attribute("id"));
        Assert.Equal(condition, ErrorCondition(error));
        Assert.Equal(type, (string?)error.Element(C("error"))!.Attribute("type"));
        Assert.Empty(_h.Storage.GetRoster("alice@localhost"));
    }

    [Fact]
    public void Too_long_names_and_groups_are_not_acceptable()
    {
        var alice = _h.Start("alice@localhost/phone");
        var longText = new string('x', 1024);

        var name = SingleStanzaTo(_h.Send(alice, $"<iq type='set' id='n'><query xmlns='jabber:iq:roster'><item jid='a@localhost' name='{longText}'/></query></iq>"), alice);
        var group = SingleStanzaTo(_h.Send(alice, $"<iq type='set' id='g'><query xmlns='jabber:iq:roster'><item jid='a@localhost'><group>{longText}</group></item></query></iq>"), alice);

        Assert.Equal("not-acceptable", ErrorCondition(name));
        Assert.Equal("not-acceptable", ErrorCondition(group));
    }

    [Fact]
    public void Subscription_ask_and_approved_in_a_roster_set_are_ignored()
    {
        var alice = _h.Interested(_h.Start("alice@localhost/phone"));

        var frames = _h.Send(alice, "<iq type='set' id='s'><query xmlns='jabber:iq:roster'><item jid='bob@localhost' subscription='both' ask='subscribe' approved='true'/></query></iq>");

        AssertItem(SinglePush(frames, alice), "bob@localhost", "none");
        Assert.Equal("none", RosterOf(_h, "alice@localhost")["bob@localhost"]);
    }

    [Fact]
    public void A_full_roster_answers_not_allowed_with_a_text_and_still_updates_existing_items()
    {
        using var h = new SmHarness(o => o.RosterLimit = 1, store: _stores.NewStore());
        h.CreateUser("alice");
        var alice = h.Start("alice@localhost/phone");
        h.Send(alice, "<iq type='set' id='s1'><query xmlns='jabber:iq:roster'><item jid='a@localhost'/></query></iq>");

        var full = SingleStanzaTo(h.Send(alice, "<iq type='set' id='s2'><query xmlns='jabber:iq:roster'><item jid='b@localhost'/></query></iq>"), alice);
        Assert.Equal("not-allowed", ErrorCondition(full));
        Assert.Equal("cancel", (string?)full.Element(C("error"))!.Attribute("type"));
        Assert.Contains("at most 1", full.Element(C("error"))!.Value);

        var rename = SingleStanzaTo(h.Send(alice, "<iq type='set' id='s3'><query xmlns='jabber:iq:roster'><item jid='a@localhost' name='A'/></query></iq>"), alice);
        Assert.Equal("result", (string?)rename.Attribute("type"));
    }
}

public sealed class RosterVersioningTestsOnSqlite() : RosterVersioningTests(StoreProviders.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class RosterVersioningTestsOnPostgres(PostgresFixture postgres) : RosterVersioningTests(postgres);
