using System.Diagnostics.Metrics;
using Google.Protobuf;
using Xmpp.Common.Sasl;
using Xmpp.Protos;
using Xmpp.Sm.Auth;
using Xmpp.Sm.Telemetry;
using Xmpp.Sm.Tests.Stores;
using static Xmpp.Sm.Tests.SmHarness;
using Action = Xmpp.Protos.Session.Types.Action;
using Step = Xmpp.Protos.SaslStep.Types.Step;

namespace Xmpp.Sm.Tests;

/// <summary>
/// Issue 18, "changing the iteration count takes effect on each account's next login": an account
/// whose keys have another PBKDF2 count than Sm:ScramIterations gets new keys at a PLAIN login
/// (c2s derives them from the password, sm stores them once the proof held against the old keys);
/// a SCRAM login cannot, and is counted. sm's side, without sockets.
/// </summary>
public abstract class CredentialRehashTests : IDisposable
{
    private const int Old = 64;        // CredentialsFor's count: alice's keys
    private const int Configured = 128;

    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private readonly ManualClock _clock = new();
    private readonly IStoreProvider _stores;
    private readonly SmHarness _h;

    protected CredentialRehashTests(IStoreProvider stores)
    {
        _stores = stores;
        _h = new SmHarness(o =>
        {
            o.ScramIterations = Configured;
            o.AuthAccountFreeFailures = 1000;
            o.AuthRehashGrace = TimeSpan.FromSeconds(60);
        }, _clock, store: _stores.NewStore());
        _h.CreateUser("alice", "wonderland");
    }

    public void Dispose() => _h.Dispose();

    private Session Auth(string user, SaslStep step) =>
        _h.Request(C2s1, new Session { Action = Action.Auth, Target = user, Sasl = step }).Session;

    private IReadOnlyList<ScramCredentialData> Stored(string user = "alice@localhost") => _h.Storage.GetCredentials(user)!;

    private static void AssertSame(IReadOnlyList<ScramCredentialData> expected, IReadOnlyList<ScramCredentialData> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        foreach (var e in expected)
        {
            var a = Assert.Single(actual, c => c.Mechanism == e.Mechanism);
            Assert.Equal(e.Iterations, a.Iterations);
            Assert.Equal(e.Salt, a.Salt);
            Assert.Equal(e.StoredKey, a.StoredKey);
            Assert.Equal(e.ServerKey, a.ServerKey);
        }
    }

    /// <summary>
    /// A PLAIN login as c2s runs it: SCRAM_START with can_rehash, the proof over an exchange c2s
    /// makes up, and (when sm asked) keys derived from the password at the count sm named.
    /// <paramref name="rehash"/> overrides what c2s would send.
    /// </summary>
    private (Session Start, Session Proof) Plain(string user, string password, Func<int, Credentials?>? rehash = null)
    {
        var (start, finish) = StartPlain(user, password, rehash);
        return (start, finish());
    }

    /// <summary>A PLAIN login up to SCRAM_START; the function sends the proof (so tests can interleave two logins).</summary>
    private (Session Start, Func<Session> Finish) StartPlain(string user, string password, Func<int, Credentials?>? rehash = null)
    {
        var client = new ScramClient(ScramAlgorithm.Sha256, user.Split('@')[0], password);
        var server = new ScramServer(ScramAlgorithm.Sha256);
        Assert.True(server.ReadClientFirst(client.ClientFirst()));
        var start = Auth(user, new SaslStep { Step = Step.ScramStart, Mechanism = "SCRAM-SHA-256", CanRehash = true });
        Assert.False(start.Failed, start.Reason);
        var proof = server.ReadClientFinal(client.ClientFinal(server.ServerFirst(start.SaslResult.Salt.ToByteArray(), start.SaslResult.Iterations)))!;
        var count = start.SaslResult.RehashIterations;
        var fresh = rehash is not null ? rehash(count) : count > 0 ? WireCredentials.Derive(password, count) : null;
        return (start, () => Auth(user, new SaslStep
        {
            Step = Step.ScramProof, Mechanism = "SCRAM-SHA-256", AuthMessage = proof.AuthMessage,
            ClientProof = ByteString.CopyFrom(proof.ClientProof), Rehash = fresh,
        }));
    }

    /// <summary>A SCRAM login; the count server-first-message announced, and whether it succeeded.</summary>
    private (int Announced, bool Ok) Scram(string mechanism, string password, string user = "alice@localhost")
    {
        var algorithm = ScramAlgorithm.ByMechanism(mechanism)!;
        var client = new ScramClient(algorithm, user.Split('@')[0], password);
        var server = new ScramServer(algorithm);
        Assert.True(server.ReadClientFirst(client.ClientFirst()));
        var start = Auth(user, new SaslStep { Step = Step.ScramStart, Mechanism = mechanism });
        Assert.Equal(0, start.SaslResult.RehashIterations); // never asked of a SCRAM login
        var proof = server.ReadClientFinal(client.ClientFinal(server.ServerFirst(start.SaslResult.Salt.ToByteArray(), start.SaslResult.Iterations)))!;
        var answer = Auth(user, new SaslStep { Step = Step.ScramProof, Mechanism = mechanism, AuthMessage = proof.AuthMessage, ClientProof = ByteString.CopyFrom(proof.ClientProof) });
        return (start.SaslResult.Iterations, !answer.Failed && client.VerifyServerFinal(ScramServer.ServerFinal(answer.SaslResult.ServerSignature.ToByteArray())));
    }

    [Fact]
    public void Scram_start_asks_for_a_rehash_only_when_c2s_holds_the_password_and_a_known_accounts_count_is_stale()
    {
        var plain = Auth("alice@localhost", new SaslStep { Step = Step.ScramStart, Mechanism = "SCRAM-SHA-256", CanRehash = true });
        Assert.Equal(Old, plain.SaslResult.Iterations);
        Assert.Equal(Configured, plain.SaslResult.RehashIterations);

        var scram = Auth("alice@localhost", new SaslStep { Step = Step.ScramStart, Mechanism = "SCRAM-SHA-256" });
        Assert.Equal(0, scram.SaslResult.RehashIterations);

        // An unknown account's fake salt has the configured count: nothing to rehash, as for a current account.
        var ghost = Auth("ghost@localhost", new SaslStep { Step = Step.ScramStart, Mechanism = "SCRAM-SHA-256", CanRehash = true });
        Assert.Equal((Configured, 0), (ghost.SaslResult.Iterations, ghost.SaslResult.RehashIterations));
        _h.Request(Ctl, new Session { Action = Action.Create, Target = "bob@localhost", Credentials = CredentialsFor("pw", Configured) });
        var bob = Auth("bob@localhost", new SaslStep { Step = Step.ScramStart, Mechanism = "SCRAM-SHA-256", CanRehash = true });
        Assert.Equal((Configured, 0), (bob.SaslResult.Iterations, bob.SaslResult.RehashIterations));
    }

    [Fact]
    public void A_plain_login_stores_keys_at_the_configured_count_and_scram_logins_with_the_same_password_still_succeed()
    {
        var before = Stored();
        var (_, proof) = Plain("alice@localhost", "wonderland");
        Assert.Equal(Action.Authed, proof.Action);
        Assert.Null(proof.Credentials); // nothing comes back

        var after = Stored();
        Assert.Equal(["SCRAM-SHA-1", "SCRAM-SHA-256"], after.Select(c => c.Mechanism).Order());
        Assert.All(after, c => Assert.Equal(Configured, c.Iterations));
        Assert.All(after, c => Assert.NotEqual(before.Single(b => b.Mechanism == c.Mechanism).Salt, c.Salt));

        Assert.Equal((Configured, true), Scram("SCRAM-SHA-256", "wonderland"));
        Assert.Equal((Configured, true), Scram("SCRAM-SHA-1", "wonderland"));
        Assert.Equal((Configured, false), Scram("SCRAM-SHA-256", "wrong"));
        var (start, again) = Plain("alice@localhost", "wonderland");
        Assert.Equal(0, start.SaslResult.RehashIterations); // done once
        Assert.False(again.Failed);
    }

    [Fact]
    public void A_wrong_plain_password_changes_nothing_even_with_keys_attached()
    {
        var before = Stored();
        var (start, proof) = Plain("alice@localhost", "wrong", count => WireCredentials.Derive("wrong", count));
        Assert.Equal(Configured, start.SaslResult.RehashIterations);
        Assert.True(proof.Failed);
        Assert.Equal("not-authorized", proof.Reason);
        AssertSame(before, Stored());
        Assert.Equal((Old, true), Scram("SCRAM-SHA-256", "wonderland"));
    }

    [Fact]
    public void A_scram_login_keeps_the_stale_count_and_is_counted()
    {
        var before = Stored();
        var thread = Environment.CurrentManagedThreadId; // sm handles the frame on this thread; other tests' logins are not ours
        var stale = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument == SmTelemetry.AuthStaleIterationLogins) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            if (Environment.CurrentManagedThreadId != thread) return;
            foreach (var tag in tags)
                if (tag.Key == "mechanism") lock (stale) stale.Add((string)tag.Value!);
        });
        listener.Start();

        Assert.Equal((Old, true), Scram("SCRAM-SHA-256", "wonderland"));
        Assert.Equal((Old, true), Scram("SCRAM-SHA-1", "wonderland"));
        Assert.Equal((Old, false), Scram("SCRAM-SHA-1", "wrong")); // a failed login is no stale login
        AssertSame(before, Stored());
        lock (stale) Assert.Equal(["SCRAM-SHA-256", "SCRAM-SHA-1"], stale);

        Plain("alice@localhost", "wonderland");
        lock (stale) Assert.Equal(2, stale.Count); // upgraded, not stale
        Scram("SCRAM-SHA-256", "wonderland");
        lock (stale) Assert.Equal(2, stale.Count); // current now
    }

    public static TheoryData<string> BadRehashes => ["wrong count", "one mechanism", "short salt", "short key"];

    [Theory]
    [MemberData(nameof(BadRehashes))]
    public void Malformed_keys_are_ignored_and_the_login_still_succeeds(string what)
    {
        var before = Stored();
        Credentials Bad(int count)
        {
            var good = WireCredentials.Derive("wonderland", count);
            switch (what)
            {
                case "wrong count": return WireCredentials.Derive("wonderland", count * 2);
                case "one mechanism": good.Scram.RemoveAt(0); break;
                case "short salt": good.Scram[0].Salt = ByteString.CopyFrom(new byte[8]); break;
                case "short key": good.Scram[1].StoredKey = ByteString.CopyFrom(new byte[4]); break;
            }
            return good;
        }
        var (_, proof) = Plain("alice@localhost", "wonderland", Bad);
        Assert.False(proof.Failed, proof.Reason);
        AssertSame(before, Stored());
    }

    [Fact]
    public void Keys_that_changed_between_the_check_and_the_write_are_not_replaced()
    {
        var checkedAgainst = Stored();
        var passwd = _h.Request(Ctl, new Session { Action = Action.Passwd, Target = "alice@localhost", Credentials = CredentialsFor("new", Old) });
        Assert.Equal(Action.PasswdDone, passwd.Session.Action);
        var afterPasswd = Stored();

        var rehash = new CredentialRehash(_h.Storage, Configured);
        Assert.Equal(RehashOutcome.Changed, rehash.Apply("alice@localhost", checkedAgainst, WireCredentials.Derive("wonderland", Configured)));
        AssertSame(afterPasswd, Stored());
        Assert.Equal(RehashOutcome.Changed, rehash.Apply("ghost@localhost", checkedAgainst, WireCredentials.Derive("wonderland", Configured)));
        Assert.Equal(RehashOutcome.Stored, rehash.Apply("alice@localhost", afterPasswd, WireCredentials.Derive("new", Configured)));
        Assert.Equal(RehashOutcome.NotStale, rehash.Apply("alice@localhost", Stored(), WireCredentials.Derive("new", Configured)));
    }

    [Fact]
    public void A_login_under_way_with_the_replaced_salt_still_succeeds_within_the_grace_and_a_password_change_ends_it()
    {
        var (_, second) = StartPlain("alice@localhost", "wonderland");   // two devices log in at once
        var (_, wrong) = StartPlain("alice@localhost", "wrong", _ => null);
        var (_, third) = StartPlain("alice@localhost", "wonderland");
        var (_, first) = Plain("alice@localhost", "wonderland");         // the first one re-derives the keys
        Assert.False(first.Failed);
        var upgraded = Stored();
        Assert.All(upgraded, c => Assert.Equal(Configured, c.Iterations));

        Assert.False(second().Failed, "a login started with the old salt");
        Assert.Equal("not-authorized", wrong().Reason); // the old keys still check the password
        AssertSame(upgraded, Stored()); // the second device's keys did not replace the first's

        _clock.Now += TimeSpan.FromSeconds(61);
        Assert.Equal("not-authorized", third().Reason); // the grace is over

        var (_, late) = StartPlain("alice@localhost", "wonderland"); // current keys: no grace needed
        Assert.False(late().Failed);
    }

    [Fact]
    public void A_password_change_ends_the_grace_of_the_replaced_keys()
    {
        var (_, pending) = StartPlain("alice@localhost", "wonderland");
        Assert.False(Plain("alice@localhost", "wonderland").Proof.Failed);
        _h.Request(Ctl, new Session { Action = Action.Passwd, Target = "alice@localhost", Credentials = CredentialsFor("new", Configured) });
        Assert.Equal("not-authorized", pending().Reason);
        Assert.Equal((Configured, true), Scram("SCRAM-SHA-256", "new"));
    }
}

public sealed class CredentialRehashTestsOnSqlite() : CredentialRehashTests(StoreProviders.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class CredentialRehashTestsOnPostgres(PostgresFixture postgres) : CredentialRehashTests(postgres);
