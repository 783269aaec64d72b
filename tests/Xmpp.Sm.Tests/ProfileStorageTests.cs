using System.Xml.Linq;
using Xmpp.Sm.Tests.Stores;
using static Xmpp.Sm.Tests.SmHarness;

namespace Xmpp.Sm.Tests;

/// <summary>
/// The vCard (XEP-0054) and private storage (XEP-0049) modules' own tables, on each storage provider:
/// what a user stores is what it and others get back, replaced in place, within the size limit.
/// </summary>
public abstract class ProfileStorageTests : IDisposable
{
    private readonly SmHarness _h;

    protected ProfileStorageTests(IStoreProvider stores)
    {
        _h = new SmHarness(settings: new Dictionary<string, string?> { ["Sm:PrivateStorage:MaxBytesPerAccount"] = "120" }, store: stores.NewStore());
        _h.CreateUser("alice");
        _h.CreateUser("bob");
    }

    public void Dispose() => _h.Dispose();

    private XElement Ask(Client client, string iq) => SingleStanzaTo(_h.Send(client, iq), client);

    private static string? Type(XElement stanza) => (string?)stanza.Attribute("type");

    [Fact]
    public void A_vcard_is_stored_replaced_and_read_by_another_user()
    {
        var alice = _h.Online("alice@localhost/phone");
        var bob = _h.Online("bob@localhost/desk");

        Assert.Equal("result", Type(Ask(alice, "<iq type='set' id='v1'><vCard xmlns='vcard-temp'><FN>Alice</FN></vCard></iq>")));
        Assert.Equal("result", Type(Ask(alice, "<iq type='set' id='v2'><vCard xmlns='vcard-temp'><FN>Alice L.</FN></vCard></iq>")));

        var card = Ask(bob, "<iq type='get' id='v3' to='alice@localhost'><vCard xmlns='vcard-temp'/></iq>");
        Assert.Equal("result", Type(card));
        Assert.Contains("Alice L.", card.ToString());
        Assert.DoesNotContain(">Alice<", card.ToString());
    }

    [Fact]
    public void Private_fragments_are_kept_per_namespace_and_bounded_in_bytes()
    {
        var alice = _h.Online("alice@localhost/phone");

        Assert.Equal("result", Type(Ask(alice, "<iq type='set' id='p1'><query xmlns='jabber:iq:private'><prefs xmlns='urn:test:a'>one</prefs></query></iq>")));
        Assert.Equal("result", Type(Ask(alice, "<iq type='set' id='p2'><query xmlns='jabber:iq:private'><prefs xmlns='urn:test:a'>two</prefs></query></iq>")));
        var stored = Ask(alice, "<iq type='get' id='p3'><query xmlns='jabber:iq:private'><prefs xmlns='urn:test:a'/></query></iq>");
        Assert.Contains(">two<", stored.ToString());

        var tooMuch = Ask(alice, $"<iq type='set' id='p4'><query xmlns='jabber:iq:private'><prefs xmlns='urn:test:b'>{new string('x', 100)}</prefs></query></iq>");
        Assert.Equal("error", Type(tooMuch));
        Assert.Equal("not-acceptable", ErrorCondition(tooMuch));
        Assert.DoesNotContain("xxxx", Ask(alice, "<iq type='get' id='p5'><query xmlns='jabber:iq:private'><prefs xmlns='urn:test:b'/></query></iq>").ToString());
    }
}

public sealed class ProfileStorageTestsOnSqlite() : ProfileStorageTests(StoreProviders.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class ProfileStorageTestsOnPostgres(PostgresFixture postgres) : ProfileStorageTests(postgres);
