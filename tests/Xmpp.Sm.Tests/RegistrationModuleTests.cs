using System.Xml.Linq;
using Xmpp.Protos;
using Xmpp.Sm.Tests.Stores;
using static Xmpp.Sm.Tests.SmHarness;
using Action = Xmpp.Protos.Session.Types.Action;

namespace Xmpp.Sm.Tests;

/// <summary>
/// XEP-0077, sm's part: a c2s may create accounts only with Sm:Registration:Enabled; deleted names
/// stay reserved for Sm:Registration:ReservedAfterDelete (an admin may override); a c2s's PASSWD
/// must name that user's live session on that c2s; &lt;remove/&gt; answers, then deletes and ends the sessions.
/// </summary>
public abstract class RegistrationModuleTests : IDisposable
{
    private static readonly XNamespace Reg = "jabber:iq:register";
    private readonly ManualClock _clock = new();
    private readonly IStoreProvider _stores;
    private readonly SmHarness _h;

    protected RegistrationModuleTests(IStoreProvider stores)
    {
        _stores = stores;
        _h = Harness(enabled: true);
    }

    private SmHarness Harness(bool enabled) => new(clock: _clock, settings: new Dictionary<string, string?>
    {
        ["Sm:Registration:Enabled"] = enabled ? "true" : "false",
        ["Sm:Registration:ReservedAfterDelete"] = "1.00:00:00",
    }, store: _stores.NewStore());

    public void Dispose() => _h.Dispose();

    private static Session Create(string local, string password = "pw") =>
        new() { Action = Action.Create, Target = $"{local}@{Domain}", Credentials = CredentialsFor(password) };

    [Fact]
    public void A_c2s_create_is_refused_forbidden_while_registration_is_off_and_an_admin_create_is_not()
    {
        using var off = Harness(enabled: false);

        var fromC2s = off.Request(C2s1, Create("eve"));
        var fromAdmin = off.Request(Ctl, Create("eve"));

        Assert.True(fromC2s.Session.Failed);
        Assert.Equal("forbidden", fromC2s.Session.Reason);
        Assert.Equal(Action.Created, fromAdmin.Session.Action);
    }

    [Fact]
    public void A_c2s_creates_while_registration_is_on_and_a_taken_name_is_a_conflict()
    {
        var first = _h.Request(C2s1, Create("newbie"));
        var second = _h.Request(C2s1, Create("newbie"));

        Assert.Equal(Action.Created, first.Session.Action);
        Assert.False(first.Session.Failed);
        Assert.True(second.Session.Failed);
        Assert.Equal("conflict", second.Session.Reason);
    }

    [Fact]
    public void A_deleted_name_stays_reserved_for_clients_until_the_time_is_over_but_an_admin_may_create_it()
    {
        _h.CreateUser("gone");
        Assert.Equal(Action.Deleted, _h.Request(Ctl, new Session { Action = Action.Delete, Target = "gone@localhost" }).Session.Action);

        _clock.Now += TimeSpan.FromHours(23);
        var reserved = _h.Request(C2s1, Create("gone"));
        _clock.Now += TimeSpan.FromHours(2);
        var free = _h.Request(C2s1, Create("gone"));

        Assert.Equal("reserved", reserved.Session.Reason);
        Assert.Equal(Action.Created, free.Session.Action);

        _h.Request(Ctl, new Session { Action = Action.Delete, Target = "gone@localhost" });
        Assert.Equal(Action.Created, _h.Request(Ctl, Create("gone")).Session.Action); // the admin overrides
        _h.Request(Ctl, new Session { Action = Action.Delete, Target = "gone@localhost" });
        Assert.Equal("reserved", _h.Request(C2s1, Create("gone")).Session.Reason);
    }

    [Fact]
    public void A_c2s_passwd_must_name_a_live_session_of_that_user_on_that_c2s()
    {
        _h.CreateUser("alice");
        _h.CreateUser("bob");
        var alice = _h.Start("alice@localhost/phone");
        Session Passwd(string target, string c2sSession, string smSession) => new()
        {
            Action = Action.Passwd, Target = target, C2SSession = c2sSession, SmSession = smSession, Credentials = CredentialsFor("new"),
        };

        var own = _h.Request(C2s1, Passwd("alice@localhost", alice.C2sSession, alice.SmSession));
        var other = _h.Request(C2s1, Passwd("bob@localhost", alice.C2sSession, alice.SmSession));
        var wrongC2s = _h.Request(C2s2, Passwd("alice@localhost", alice.C2sSession, alice.SmSession));
        var noSession = _h.Request(C2s1, Passwd("alice@localhost", "", ""));

        Assert.Equal(Action.PasswdDone, own.Session.Action);
        foreach (var refused in new[] { other, wrongC2s, noSession })
        {
            Assert.True(refused.Session.Failed);
            Assert.Equal("forbidden", refused.Session.Reason);
        }
    }

    [Fact]
    public void Remove_answers_the_result_first_then_ends_every_session_and_deletes_the_account()
    {
        _h.CreateUser("leaver");
        var phone = _h.Online("leaver@localhost/phone");
        var desk = _h.Online("leaver@localhost/desk", c2s: C2s2);

        var frames = _h.Send(phone, $"<iq type='set' id='u1'><query xmlns='{Reg.NamespaceName}'><remove/></query></iq>");

        var result = frames.FindIndex(f => f.Packet is { } p && p.SmSession == phone.SmSession && p.Kind == "iq");
        var ended = frames.FindIndex(f => f.Session is { Action: Action.Ended } s && s.SmSession == phone.SmSession);
        Assert.True(result >= 0 && ended > result, "the result goes out before the session ends");
        Assert.Equal("result", (string?)SingleStanzaTo(frames, phone).Attribute("type"));
        Assert.Contains(frames, f => f.Session is { Action: Action.Ended, Reason: "user-deleted" } s && s.SmSession == desk.SmSession);
        Assert.False(_h.Storage.Exists("leaver@localhost"));
        Assert.Equal("reserved", _h.Request(C2s1, Create("leaver")).Session.Reason);
    }

    [Fact]
    public void A_registered_user_asking_gets_registered_and_its_username()
    {
        _h.CreateUser("alice");
        var alice = _h.Start("alice@localhost/phone");

        var answer = SingleStanzaTo(_h.Send(alice, $"<iq type='get' id='q1'><query xmlns='{Reg.NamespaceName}'/></iq>"), alice);

        Assert.Equal("result", (string?)answer.Attribute("type"));
        var query = answer.Element(Reg + "query")!;
        Assert.NotNull(query.Element(Reg + "registered"));
        Assert.Equal("alice", query.Element(Reg + "username")?.Value);
    }
}

public sealed class RegistrationModuleTestsOnSqlite() : RegistrationModuleTests(StoreProviders.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class RegistrationModuleTestsOnPostgres(PostgresFixture postgres) : RegistrationModuleTests(postgres);
