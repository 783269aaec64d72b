using Google.Protobuf;
using Xmpp.Common.Sasl;
using Xmpp.Protos;
using Xmpp.Sm.Sessions;
using Xmpp.Sm.Tests.Stores;
using static Xmpp.Sm.Tests.SmHarness;
using Action = Xmpp.Protos.Session.Types.Action;
using Step = Xmpp.Protos.SaslStep.Types.Step;

namespace Xmpp.Sm.Tests;

/// <summary>
/// XEP-0484 FAST tokens in sm (sm/Modules/Fast, the AUTH action's HT_CHECK and token requests), on
/// a real SQLite file: issued only after a proof held and only to a client with a user-agent id,
/// checked with the HT-SHA-256 HMACs, bound to their mechanism, expiring, rotated with the old
/// token valid until the new one is used, invalidated on request, capped per account, revoked by
/// a password change and by the account's deletion.
/// </summary>
public abstract class FastTokenTests : IDisposable
{
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private const string Alice = "alice@localhost";
    private const string Phone = "d4565fa7-4d72-4749-b3d3-740edbf87770";
    private static readonly byte[] EndPoint = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    private readonly ManualClock _clock = new();
    private readonly IStoreProvider _stores;
    private readonly SmHarness _h;

    protected FastTokenTests(IStoreProvider stores)
    {
        _stores = stores;
        _h = new SmHarness(o =>
        {
            o.ScramIterations = 64;
            o.AuthAccountFreeFailures = 1000; // these tests fail on purpose; the back-off has its own tests
        }, _clock, settings: new Dictionary<string, string?>
        {
            ["Sm:Fast:TokenLifetime"] = "14.00:00:00",
            ["Sm:Fast:RotateAfter"] = "1.00:00:00",
            ["Sm:Fast:MaxTokensPerAccount"] = "4",
        }, store: _stores.NewStore());
        _h.CreateUser("alice", "wonderland");
    }

    public void Dispose() => _h.Dispose();

    private Session Auth(string user, SaslStep step) =>
        _h.Request(C2s1, new Session { Action = Action.Auth, Target = user, Sasl = step }).Session;

    /// <summary>A SCRAM-SHA-256 login as c2s runs it, with the client's FAST request on the proof step.</summary>
    private Session ScramLogin(string password, FastRequest? fast, string user = Alice)
    {
        var client = new ScramClient(ScramAlgorithm.Sha256, user.Split('@')[0], password);
        var server = new ScramServer(ScramAlgorithm.Sha256);
        Assert.True(server.ReadClientFirst(client.ClientFirst()));
        var start = Auth(user, new SaslStep { Step = Step.ScramStart, Mechanism = "SCRAM-SHA-256" });
        var proof = server.ReadClientFinal(client.ClientFinal(server.ServerFirst(start.SaslResult.Salt.ToByteArray(), start.SaslResult.Iterations)))!;
        var step = new SaslStep { Step = Step.ScramProof, Mechanism = "SCRAM-SHA-256", AuthMessage = proof.AuthMessage, ClientProof = ByteString.CopyFrom(proof.ClientProof) };
        if (fast is not null) step.Fast = fast;
        return Auth(user, step);
    }

    private string RequestToken(string mechanism = "HT-SHA-256-NONE", string userAgent = Phone, string user = Alice, string password = "wonderland")
    {
        var answer = ScramLogin(password, new FastRequest { UserAgentId = userAgent, RequestToken = mechanism }, user);
        Assert.Equal(Action.Authed, answer.Action);
        Assert.NotEmpty(answer.SaslResult.FastToken);
        return answer.SaslResult.FastToken;
    }

    /// <summary>An HT-* login as c2s relays it: the client's HMAC, the channel binding data c2s computed, the FAST elements.</summary>
    /// <param name="clientCb">The channel binding data the client used, when not the connection's (c2s's) own.</param>
    private Session HtLogin(string token, string mechanism = "HT-SHA-256-NONE", FastRequest? fast = null, string user = Alice, byte[]? clientCb = null)
    {
        var cb = HtMechanism.ByName(mechanism)!.ChannelBindingType is null ? [] : EndPoint;
        return Auth(user, new SaslStep
        {
            Step = Step.HtCheck,
            Mechanism = mechanism,
            HtHash = ByteString.CopyFrom(HtToken.Initiator(HtToken.Key(token), clientCb ?? cb)),
            ChannelBinding = ByteString.CopyFrom(cb),
            Fast = fast ?? new FastRequest { UserAgentId = Phone },
        });
    }

    private static void AssertRefused(Session answer, string reason = "not-authorized")
    {
        Assert.Equal(Action.Auth, answer.Action);
        Assert.True(answer.Failed);
        Assert.Equal(reason, answer.Reason);
        Assert.Null(answer.SaslResult);
    }

    [Fact]
    public void A_password_login_asking_for_a_token_gets_one_that_expires_after_the_configured_lifetime()
    {
        var answer = ScramLogin("wonderland", new FastRequest { UserAgentId = Phone, RequestToken = "HT-SHA-256-ENDP" });

        Assert.Equal(Action.Authed, answer.Action);
        Assert.False(answer.SaslResult.ServerSignature.IsEmpty);
        var token = answer.SaslResult.FastToken;
        Assert.StartsWith("secret-token:fast-", token);
        Assert.True(token.Length >= 18 + 43, "32 random bytes, base64url");
        Assert.Equal((_clock.Now + TimeSpan.FromDays(14)).ToUnixTimeSeconds(), answer.SaslResult.FastTokenExpiry);
    }

    [Fact]
    public void No_token_without_a_user_agent_id_for_a_mechanism_that_is_not_ht_or_for_a_wrong_password()
    {
        Assert.Empty(ScramLogin("wonderland", new FastRequest { RequestToken = "HT-SHA-256-NONE" }).SaslResult.FastToken);
        Assert.Empty(ScramLogin("wonderland", new FastRequest { UserAgentId = Phone, RequestToken = "PLAIN" }).SaslResult.FastToken);
        Assert.Empty(ScramLogin("wonderland", null).SaslResult.FastToken);
        AssertRefused(ScramLogin("wrong", new FastRequest { UserAgentId = Phone, RequestToken = "HT-SHA-256-NONE" }));
    }

    [Fact]
    public void With_xep0480_upgrade_tasks_the_token_comes_with_the_upgrade_once_fully_authenticated()
    {
        // An account whose keys have another PBKDF2 count than Sm:ScramIterations (64): SCRAM_PROOF offers an upgrade task.
        Assert.Equal(Action.Created, _h.Request(Ctl, new Session { Action = Action.Create, Target = "carol@localhost", Credentials = CredentialsFor("pencil", 32) }).Session.Action);
        var fast = new FastRequest { UserAgentId = Phone, RequestToken = "HT-SHA-256-NONE" };
        var client = new ScramClient(ScramAlgorithm.Sha256, "carol", "pencil");
        var server = new ScramServer(ScramAlgorithm.Sha256);
        Assert.True(server.ReadClientFirst(client.ClientFirst()));
        var start = Auth("carol@localhost", new SaslStep { Step = Step.ScramStart, Mechanism = "SCRAM-SHA-256" });
        var proof = server.ReadClientFinal(client.ClientFinal(server.ServerFirst(start.SaslResult.Salt.ToByteArray(), start.SaslResult.Iterations)))!;
        var proofStep = new SaslStep { Step = Step.ScramProof, Mechanism = "SCRAM-SHA-256", AuthMessage = proof.AuthMessage, ClientProof = ByteString.CopyFrom(proof.ClientProof), Fast = fast };
        proofStep.Upgrade.Add("SCRAM-SHA-256");
        var proven = Auth("carol@localhost", proofStep);
        Assert.Equal(["SCRAM-SHA-256"], proven.SaslResult.Upgrade);
        Assert.Empty(proven.SaslResult.FastToken); // the tasks are not done yet

        var upgradeStep = new SaslStep
        {
            Step = Step.ScramUpgrade, Mechanism = "SCRAM-SHA-256", AuthMessage = proof.AuthMessage, ClientProof = ByteString.CopyFrom(proof.ClientProof), Fast = fast,
            Rehash = CredentialsMapping.ToWire([ScramAlgorithm.Sha256.Derive("pencil", 64)]),
        };
        var upgraded = Auth("carol@localhost", upgradeStep);
        Assert.True(upgraded.SaslResult.Upgraded);
        Assert.NotEmpty(upgraded.SaslResult.FastToken);
        Assert.Equal(Action.Authed, HtLogin(upgraded.SaslResult.FastToken, user: "carol@localhost").Action);
    }

    [Fact]
    public void Each_token_is_different()
    {
        var tokens = Enumerable.Range(0, 3).Select(i => RequestToken(userAgent: "client-" + i)).ToArray();
        Assert.Equal(3, tokens.Distinct().Count());
    }

    [Theory]
    [InlineData("HT-SHA-256-NONE")]
    [InlineData("HT-SHA-256-ENDP")]
    [InlineData("HT-SHA-256-EXPR")]
    public void The_token_logs_in_and_sm_answers_the_responder_hmac(string mechanism)
    {
        var token = RequestToken(mechanism);
        var answer = HtLogin(token, mechanism);

        Assert.Equal(Action.Authed, answer.Action);
        var cb = HtMechanism.ByName(mechanism)!.ChannelBindingType is null ? [] : EndPoint;
        Assert.Equal(HtToken.Responder(HtToken.Key(token), cb), answer.SaslResult.HtResponder.ToByteArray());
        Assert.Empty(answer.SaslResult.FastToken); // not due for rotation, not asked
        Assert.True(answer.SaslResult.ServerSignature.IsEmpty);
    }

    [Fact]
    public void A_wrong_token_another_clients_id_or_other_channel_binding_data_fail()
    {
        var token = RequestToken("HT-SHA-256-ENDP");
        AssertRefused(HtLogin(token + "x", "HT-SHA-256-ENDP"));
        AssertRefused(HtLogin(token, "HT-SHA-256-ENDP", new FastRequest { UserAgentId = "another-client" }));
        AssertRefused(HtLogin(token, "HT-SHA-256-ENDP", clientCb: [.. EndPoint.Select(b => (byte)~b)])); // another TLS connection's
        Assert.Equal(Action.Authed, HtLogin(token, "HT-SHA-256-ENDP").Action);
    }

    [Fact]
    public void Unknown_accounts_fail_like_wrong_tokens()
    {
        var token = RequestToken();
        AssertRefused(HtLogin(token, user: "nobody@localhost"));
    }

    [Fact]
    public void A_token_is_bound_to_the_mechanism_it_was_issued_for()
    {
        var token = RequestToken("HT-SHA-256-ENDP");
        AssertRefused(HtLogin(token, "HT-SHA-256-NONE"));
        AssertRefused(HtLogin(token, "HT-SHA-256-EXPR"));
        Assert.Equal(Action.Authed, HtLogin(token, "HT-SHA-256-ENDP").Action);
    }

    [Fact]
    public void Malformed_ht_steps_are_bad_requests()
    {
        var token = RequestToken("HT-SHA-256-ENDP");
        var noBinding = new SaslStep { Step = Step.HtCheck, Mechanism = "HT-SHA-256-ENDP", HtHash = ByteString.CopyFrom(HtToken.Initiator(HtToken.Key(token), [])), Fast = new FastRequest { UserAgentId = Phone } };
        AssertRefused(Auth(Alice, noBinding), "bad-request");
        var shortHash = new SaslStep { Step = Step.HtCheck, Mechanism = "HT-SHA-256-NONE", HtHash = ByteString.CopyFrom(new byte[5]), Fast = new FastRequest { UserAgentId = Phone } };
        AssertRefused(Auth(Alice, shortHash), "bad-request");
        var otherFamily = new SaslStep { Step = Step.HtCheck, Mechanism = "HT-SHA-1-NONE", HtHash = ByteString.CopyFrom(new byte[32]), Fast = new FastRequest { UserAgentId = Phone } };
        AssertRefused(Auth(Alice, otherFamily), "bad-request");
    }

    [Fact]
    public void An_expired_token_fails_credentials_expired_once_and_is_then_gone()
    {
        var token = RequestToken();
        _clock.Now += TimeSpan.FromDays(14);
        AssertRefused(HtLogin(token), "credentials-expired");
        AssertRefused(HtLogin(token));
    }

    [Fact]
    public void A_token_due_for_rotation_gets_a_new_one_and_the_old_stays_valid_until_the_new_one_is_used()
    {
        var first = RequestToken();
        _clock.Now += TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1);

        var rotated = HtLogin(first);
        Assert.Equal(Action.Authed, rotated.Action);
        var second = rotated.SaslResult.FastToken;
        Assert.NotEqual(first, second);

        // The client missed that success: the old token still works (and a rotation is offered again).
        var again = HtLogin(first);
        Assert.Equal(Action.Authed, again.Action);
        var third = again.SaslResult.FastToken;

        // The newest unused token replaced the earlier unused one; using it retires the old one.
        AssertRefused(HtLogin(second));
        var used = HtLogin(third);
        Assert.Equal(Action.Authed, used.Action);
        Assert.Empty(used.SaslResult.FastToken);
        AssertRefused(HtLogin(first));
        Assert.Equal(Action.Authed, HtLogin(third).Action);
    }

    [Fact]
    public void Asking_for_a_token_on_a_fast_login_issues_one_for_the_mechanism_asked()
    {
        var first = RequestToken("HT-SHA-256-NONE");
        var answer = HtLogin(first, fast: new FastRequest { UserAgentId = Phone, RequestToken = "HT-SHA-256-ENDP" });
        var second = answer.SaslResult.FastToken;

        Assert.Equal(Action.Authed, HtLogin(first).Action); // not used yet: the old one stays
        Assert.Equal(Action.Authed, HtLogin(second, "HT-SHA-256-ENDP").Action);
        AssertRefused(HtLogin(first));
    }

    [Fact]
    public void Invalidate_revokes_the_clients_tokens_and_issues_none_unless_asked()
    {
        var token = RequestToken();
        _clock.Now += TimeSpan.FromDays(2); // due for rotation: still no token with invalidate
        var answer = HtLogin(token, fast: new FastRequest { UserAgentId = Phone, Invalidate = true });
        Assert.Equal(Action.Authed, answer.Action);
        Assert.Empty(answer.SaslResult.FastToken);
        AssertRefused(HtLogin(token));

        var other = RequestToken();
        var renewed = HtLogin(other, fast: new FastRequest { UserAgentId = Phone, Invalidate = true, RequestToken = "HT-SHA-256-NONE" });
        AssertRefused(HtLogin(other));
        Assert.Equal(Action.Authed, HtLogin(renewed.SaslResult.FastToken).Action);
    }

    [Fact]
    public void A_count_must_exceed_every_count_used_with_the_token()
    {
        var token = RequestToken();
        Assert.Equal(Action.Authed, HtLogin(token, fast: new FastRequest { UserAgentId = Phone, Count = 5 }).Action);
        AssertRefused(HtLogin(token, fast: new FastRequest { UserAgentId = Phone, Count = 5 }));
        AssertRefused(HtLogin(token, fast: new FastRequest { UserAgentId = Phone, Count = 4 }));
        Assert.Equal(Action.Authed, HtLogin(token, fast: new FastRequest { UserAgentId = Phone, Count = 6 }).Action);
    }

    [Fact]
    public void An_account_holds_at_most_the_configured_number_of_tokens_the_oldest_go()
    {
        var tokens = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            tokens.Add(RequestToken(userAgent: "client-" + i));
            _clock.Now += TimeSpan.FromSeconds(1);
        }
        Assert.Equal(4L, _h.Storage.Scalar<long>("SELECT count(*) FROM fast_tokens"));
        AssertRefused(HtLogin(tokens[0], fast: new FastRequest { UserAgentId = "client-0" }));
        for (var i = 1; i < 5; i++)
            Assert.Equal(Action.Authed, HtLogin(tokens[i], fast: new FastRequest { UserAgentId = "client-" + i }).Action);
    }

    [Fact]
    public void A_password_change_revokes_every_token_of_the_account()
    {
        var token = RequestToken();
        var changed = _h.Request(Ctl, new Session { Action = Action.Passwd, Target = Alice, Credentials = CredentialsFor("looking-glass") });
        Assert.Equal(Action.PasswdDone, changed.Session.Action);
        AssertRefused(HtLogin(token));
    }

    [Fact]
    public void Deleting_the_account_removes_its_tokens()
    {
        RequestToken();
        _h.CreateUser("bob", "builder");
        RequestToken(user: "bob@localhost", password: "builder");
        Assert.Equal(Action.Deleted, _h.Request(Ctl, new Session { Action = Action.Delete, Target = Alice }).Session.Action);
        Assert.Equal(0L, _h.Storage.Scalar<long>("SELECT count(*) FROM fast_tokens WHERE user = 'alice@localhost'"));
        Assert.Equal(1L, _h.Storage.Scalar<long>("SELECT count(*) FROM fast_tokens WHERE user = 'bob@localhost'"));
    }

    [Fact]
    public void An_issued_token_never_shows_its_secret_in_text()
    {
        var issued = new Xmpp.Sm.Modules.Fast.IssuedFastToken("secret-token:fast-abc", _clock.Now, "HT-SHA-256-NONE");
        Assert.DoesNotContain("secret-token", issued.ToString());
        Assert.DoesNotContain("secret-token", new Xmpp.Sm.Modules.Fast.FastCheck(Xmpp.Sm.Modules.Fast.FastVerdict.Ok, [1], issued).ToString());
    }

    [Fact]
    public void The_database_keeps_a_hash_of_the_user_agent_id_not_the_id()
    {
        RequestToken();
        Assert.Equal(0L, _h.Storage.Scalar<long>($"SELECT count(*) FROM fast_tokens WHERE client = '{Phone}'"));
        Assert.Equal(1L, _h.Storage.Scalar<long>("SELECT count(*) FROM fast_tokens WHERE user = 'alice@localhost'"));
    }
}

public sealed class FastTokenTestsOnSqlite() : FastTokenTests(StoreProviders.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class FastTokenTestsOnPostgres(PostgresFixture postgres) : FastTokenTests(postgres);
