using System.Xml.Linq;
using Xmpp.Sm.Modules.LastActivity;
using Xmpp.Sm.Tests.Stores;
using static Xmpp.Sm.Tests.ImAssertions;
using static Xmpp.Sm.Tests.SmHarness;

namespace Xmpp.Sm.Tests;

/// <summary>XEP-0012: server uptime; an account's last logout and status, to the account and its presence subscribers only.</summary>
public abstract class LastActivityTests : IDisposable
{
    private static readonly XNamespace L = LastActivityModule.Namespace;
    private readonly ManualClock _clock = new();
    private readonly IStoreProvider _stores;
    private readonly SmHarness _h;

    protected LastActivityTests(IStoreProvider stores)
    {
        _stores = stores;
        _h = new SmHarness(clock: _clock, store: _stores.NewStore());
        _h.CreateUser("alice");
        _h.CreateUser("bob");
        _h.CreateUser("carol");
    }

    public void Dispose() => _h.Dispose();

    private XElement Ask(Client client, string to) =>
        SingleStanzaTo(_h.Send(client, $"<iq type='get' id='last' to='{to}'><query xmlns='{LastActivityModule.Namespace}'/></iq>"), client);

    private static string? Seconds(XElement result) => (string?)result.Element(L + "query")?.Attribute("seconds");

    [Fact]
    public void The_server_answers_its_uptime()
    {
        var alice = _h.Online("alice@localhost/phone");
        _clock.Now += TimeSpan.FromSeconds(90);

        Assert.Equal("90", Seconds(Ask(alice, "localhost")));
    }

    [Fact]
    public void A_subscriber_gets_the_seconds_since_the_last_logout_and_the_status_left_with()
    {
        var alice = _h.OnlineInterested("alice@localhost/phone");
        var bob = _h.OnlineInterested("bob@localhost/pc", c2s: C2s2);
        _h.MakeMutual(alice, bob);
        Assert.Equal("0", Seconds(Ask(bob, "alice@localhost"))); // online now

        _h.Send(alice, "<presence type='unavailable'><status>gone fishing</status></presence>");
        _h.Handle(End(alice));
        _clock.Now += TimeSpan.FromMinutes(5);

        var result = Ask(bob, "alice@localhost");
        Assert.Equal("300", Seconds(result));
        Assert.Equal("gone fishing", result.Element(L + "query")!.Value);
    }

    [Fact]
    public void Someone_without_a_subscription_is_forbidden_for_accounts_that_exist_or_not()
    {
        var alice = _h.Online("alice@localhost/phone");
        _h.Handle(End(alice));
        var carol = _h.Online("carol@localhost/tab");

        Assert.Equal("forbidden", ErrorCondition(Ask(carol, "alice@localhost")));
        Assert.Equal("forbidden", ErrorCondition(Ask(carol, "nobody@localhost")));
        Assert.Equal("forbidden", ErrorCondition(Ask(carol, "alice@localhost/phone"))); // §4: nor its resources
    }

    [Fact]
    public void The_last_logout_is_stored_and_deleted_with_the_account()
    {
        var alice = _h.OnlineInterested("alice@localhost/phone");
        var bob = _h.OnlineInterested("bob@localhost/pc", c2s: C2s2);
        _h.MakeMutual(alice, bob);
        _h.Handle(End(alice));

        Assert.Equal(1L, _h.Storage.Scalar<long>("SELECT COUNT(*) FROM lastactivity_logouts WHERE user = 'alice@localhost'"));
        _h.Request(Ctl, new Protos.Session { Action = Protos.Session.Types.Action.Delete, Target = "alice@localhost" });
        Assert.Equal(0L, _h.Storage.Scalar<long>("SELECT COUNT(*) FROM lastactivity_logouts WHERE user = 'alice@localhost'"));
    }

    [Fact]
    public void A_contact_s_query_to_a_full_jid_is_delivered_to_that_resource()
    {
        var alice = _h.OnlineInterested("alice@localhost/phone");
        var bob = _h.OnlineInterested("bob@localhost/pc", c2s: C2s2);
        _h.MakeMutual(alice, bob);

        var frames = _h.Send(bob, $"<iq type='get' id='idle' to='alice@localhost/phone'><query xmlns='{LastActivityModule.Namespace}'/></iq>");

        var delivered = SingleStanzaTo(frames, alice);
        Assert.Equal(("idle", "bob@localhost/pc"), ((string?)delivered.Attribute("id"), (string?)delivered.Attribute("from")));
        Assert.Empty(StanzasTo(frames, bob));
    }

    [Theory]
    [InlineData(false, false, true, "forbidden")]
    [InlineData(true, true, true, "0")]
    [InlineData(true, false, true, "60:away")]
    [InlineData(true, false, false, "unknown")]
    public void Rules(bool authorized, bool available, bool hasLogout, string expected)
    {
        var now = new DateTimeOffset(2026, 1, 1, 0, 1, 0, TimeSpan.Zero);
        var last = hasLogout ? new LastLogout(now.AddSeconds(-60), "away") : null;

        var answer = LastActivityRules.ForAccount(authorized, available, last, now);

        Assert.Equal(expected, answer switch
        {
            LastActivityAnswer.Forbidden => "forbidden",
            LastActivityAnswer.Unknown => "unknown",
            LastActivityAnswer.Seconds { Status: null } s => s.Value.ToString(),
            LastActivityAnswer.Seconds s => $"{s.Value}:{s.Status}",
            _ => "?",
        });
    }
}

public sealed class LastActivityTestsOnSqlite() : LastActivityTests(StoreProviders.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class LastActivityTestsOnPostgres(PostgresFixture postgres) : LastActivityTests(postgres);
