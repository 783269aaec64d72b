using Xmpp.Common.Sasl;
using Xmpp.Protos;
using Xmpp.Sm.Sessions;
using static Xmpp.Sm.Tests.SmHarness;
using Action = Xmpp.Protos.Session.Types.Action;

namespace Xmpp.Sm.Tests;

public sealed class SessionActionTests : IDisposable
{
    private readonly SmHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Start_answers_started_with_a_new_sm_session()
    {
        _h.CreateUser("alice");
        var answer = _h.Request(C2s1, new Session { Action = Action.Start, Target = "alice@localhost/phone", C2SSession = "7", RequestId = "r1" });

        Assert.Equal(Action.Started, answer.Session.Action);
        Assert.False(answer.Session.Failed);
        Assert.Equal("7", answer.Session.C2SSession);
        Assert.Equal("alice@localhost/phone", answer.Session.Target);
        Assert.Matches("^[0-9a-f]{16}$", answer.Session.SmSession);
        Assert.NotNull(_h.Sm.Sessions.Find(answer.Session.SmSession));
    }

    [Fact]
    public void Start_for_an_unknown_user_fails_user_not_found()
    {
        var answer = _h.Request(C2s1, new Session { Action = Action.Start, Target = "nobody@localhost/x", C2SSession = "7", RequestId = "r1" });

        Assert.Equal(Action.Start, answer.Session.Action);
        Assert.True(answer.Session.Failed);
        Assert.Equal("user-not-found", answer.Session.Reason);
        Assert.Equal("r1", answer.Session.RequestId);
        Assert.Equal(0, _h.Sm.Sessions.Count);
    }

    [Theory]
    [InlineData("alice@localhost", "bad-target")]       // not a full JID
    [InlineData("localhost/x", "bad-target")]           // no user
    [InlineData("a b@localhost/x", "bad-target")]       // not a JID
    [InlineData("alice@example.org/x", "host-unknown")] // another domain
    public void Start_with_a_bad_target_fails(string target, string reason)
    {
        _h.CreateUser("alice");
        var answer = _h.Request(C2s1, new Session { Action = Action.Start, Target = target, C2SSession = "7" });

        Assert.Equal(Action.Start, answer.Session.Action);
        Assert.True(answer.Session.Failed);
        Assert.Equal(reason, answer.Session.Reason);
    }

    [Fact]
    public void A_second_start_for_the_same_full_jid_ends_the_older_session_with_conflict()
    {
        _h.CreateUser("alice");
        var old = _h.Start("alice@localhost/phone", C2s1);
        var newer = _h.Start("alice@localhost/phone", C2s2);

        var ended = Assert.Single(_h.Take());
        Assert.Equal(C2s1, ended.To);
        Assert.Equal(Action.Ended, ended.Session.Action);
        Assert.Equal("conflict", ended.Session.Reason);
        Assert.False(ended.Session.Failed);
        Assert.Equal(old.C2sSession, ended.Session.C2SSession);
        Assert.Equal(old.SmSession, ended.Session.SmSession);
        Assert.Null(_h.Sm.Sessions.Find(old.SmSession));
        Assert.NotNull(_h.Sm.Sessions.Find(newer.SmSession));
    }

    [Fact]
    public void A_repeated_start_from_the_same_connection_returns_the_same_session()
    {
        _h.CreateUser("alice");
        var first = _h.Request(C2s1, new Session { Action = Action.Start, Target = "alice@localhost/phone", C2SSession = "7" });
        var again = _h.Request(C2s1, new Session { Action = Action.Start, Target = "alice@localhost/phone", C2SSession = "7" });

        Assert.Equal(first.Session.SmSession, again.Session.SmSession);
        Assert.Equal(1, _h.Sm.Sessions.Count);
    }

    [Fact]
    public void End_answers_ended_and_forgets_the_session()
    {
        _h.CreateUser("alice");
        var alice = _h.Start("alice@localhost/phone");
        var answer = _h.Request(alice.C2s, new Session { Action = Action.End, C2SSession = alice.C2sSession, SmSession = alice.SmSession });

        Assert.Equal(Action.Ended, answer.Session.Action);
        Assert.False(answer.Session.Failed);
        Assert.Equal(alice.SmSession, answer.Session.SmSession);
        Assert.Equal(0, _h.Sm.Sessions.Count);
    }

    [Fact]
    public void End_of_an_unknown_or_foreign_session_fails_unknown_session()
    {
        _h.CreateUser("alice");
        var alice = _h.Start("alice@localhost/phone", C2s1);

        var foreign = _h.Request(C2s2, new Session { Action = Action.End, C2SSession = alice.C2sSession, SmSession = alice.SmSession });
        Assert.True(foreign.Session.Failed);
        Assert.Equal(Action.End, foreign.Session.Action);
        Assert.Equal("unknown-session", foreign.Session.Reason);
        Assert.Equal(1, _h.Sm.Sessions.Count);

        var unknown = _h.Request(C2s1, new Session { Action = Action.End, C2SSession = "99", SmSession = "0000000000000000" });
        Assert.True(unknown.Session.Failed);
    }

    [Fact]
    public void Create_then_create_again_fails_conflict()
    {
        var first = _h.Request(Ctl, new Session { Action = Action.Create, Target = "bob@localhost", Credentials = CredentialsFor("pw") });
        Assert.Equal(Action.Created, first.Session.Action);
        Assert.Equal("bob@localhost", first.Session.Target);

        var second = _h.Request(Ctl, new Session { Action = Action.Create, Target = "Bob@localhost", Credentials = CredentialsFor("pw") });
        Assert.Equal(Action.Create, second.Session.Action);
        Assert.True(second.Session.Failed);
        Assert.Equal("conflict", second.Session.Reason);
    }

    [Fact]
    public void Create_without_usable_credentials_fails_bad_request()
    {
        var none = _h.Request(Ctl, new Session { Action = Action.Create, Target = "bob@localhost" });
        Assert.True(none.Session.Failed);
        Assert.Equal("bad-request", none.Session.Reason);

        var wrongKeySize = CredentialsFor("pw");
        wrongKeySize.Scram[0].StoredKey = Google.Protobuf.ByteString.CopyFrom(new byte[3]);
        var bad = _h.Request(Ctl, new Session { Action = Action.Create, Target = "bob@localhost", Credentials = wrongKeySize });
        Assert.True(bad.Session.Failed);
        Assert.False(_h.Storage.Exists("bob@localhost"));
    }

    [Fact]
    public void Passwd_replaces_the_credentials()
    {
        _h.CreateUser("alice", "old");
        var done = _h.Request(Ctl, new Session { Action = Action.Passwd, Target = "alice@localhost", Credentials = CredentialsFor("new") });
        Assert.Equal(Action.PasswdDone, done.Session.Action);

        var creds = _h.Storage.GetCredentials("alice@localhost")!;
        var sha256 = creds.Single(c => c.Mechanism == "SCRAM-SHA-256");
        Assert.Equal(ScramAlgorithm.Sha256.Derive("new", sha256.Iterations, sha256.Salt).StoredKey, sha256.StoredKey);

        var unknown = _h.Request(Ctl, new Session { Action = Action.Passwd, Target = "nobody@localhost", Credentials = CredentialsFor("x") });
        Assert.Equal("user-not-found", unknown.Session.Reason);
    }

    [Fact]
    public void List_names_every_account()
    {
        _h.CreateUser("bob");
        _h.CreateUser("alice");
        var answer = _h.Request(Ctl, new Session { Action = Action.List });

        Assert.Equal(Action.Listed, answer.Session.Action);
        Assert.Equal(["alice@localhost", "bob@localhost"], answer.Session.Users);
    }

    [Fact]
    public void Delete_ends_the_users_sessions_and_deletes_all_their_data()
    {
        _h.CreateUser("alice");
        _h.CreateUser("bob");
        var phone = _h.Start("alice@localhost/phone", C2s1);
        var laptop = _h.Start("alice@localhost/laptop", C2s2);
        var bob = _h.Online("bob@localhost/pc");
        _h.Send(bob, "<message to='alice@localhost' type='chat'><body>for later</body></message>");
        _h.Send(phone, "<iq type='set' id='r1'><query xmlns='jabber:iq:roster'><item jid='bob@localhost'/></query></iq>");
        _h.Take();

        var frames = _h.Handle(new Frame { To = SmAddress, From = Ctl, Session = new Session { Action = Action.Delete, Target = "alice@localhost", RequestId = "d1" } });

        var ended = frames.Where(f => f.Session?.Action == Action.Ended).ToList();
        Assert.Equal(2, ended.Count);
        Assert.All(ended, f => Assert.Equal("user-deleted", f.Session.Reason));
        Assert.Contains(ended, f => f.To == C2s1 && f.Session.SmSession == phone.SmSession);
        Assert.Contains(ended, f => f.To == C2s2 && f.Session.SmSession == laptop.SmSession);
        var deleted = Assert.Single(frames, f => f.Session?.RequestId == "d1");
        Assert.Equal(Action.Deleted, deleted.Session.Action);
        Assert.Equal(Ctl, deleted.To);

        Assert.False(_h.Storage.Exists("alice@localhost"));
        Assert.Equal(0, _h.Storage.Count("alice@localhost"));
        Assert.Empty(_h.Storage.GetRoster("alice@localhost"));
        Assert.Null(_h.Storage.GetCredentials("alice@localhost"));
        Assert.Single(_h.Sm.Sessions.All); // bob's

        var again = _h.Request(Ctl, new Session { Action = Action.Delete, Target = "alice@localhost" });
        Assert.Equal("user-not-found", again.Session.Reason);
    }

    [Fact]
    public void Shutdown_with_EndSessionsOnShutdown_ends_every_session_with_system_shutdown()
    {
        _h.Options.EndSessionsOnShutdown = true; // off by default: c2s re-attaches its sessions on the next sm (issue 20)
        _h.CreateUser("alice");
        var alice = _h.Start("alice@localhost/phone");
        Assert.Equal(1, _h.Sm.Shutdown());

        var ended = Assert.Single(_h.Take());
        Assert.Equal(alice.C2s, ended.To);
        Assert.Equal(EndReasons.SystemShutdown, ended.Session.Reason);
        Assert.Equal(0, _h.Sm.Sessions.Count);
    }
}
