using Google.Protobuf;
using Xmpp.Common.Sasl;
using Xmpp.Protos;
using Xmpp.Sm.Auth;
using static Xmpp.Sm.Tests.SmHarness;
using Action = Xmpp.Protos.Session.Types.Action;
using Step = Xmpp.Protos.SaslStep.Types.Step;

namespace Xmpp.Sm.Tests;

/// <summary>
/// sm's side of SASL (sm/Auth/): it answers salts, counts and signatures, never keys; unknown
/// accounts get a deterministic fake salt and the same work; failures lock an account name for a
/// growing back-off.
/// </summary>
public sealed class AuthActionTests : IDisposable
{
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private readonly ManualClock _clock = new();
    private readonly SmHarness _h;

    public AuthActionTests()
    {
        _h = new SmHarness(o =>
        {
            o.ScramIterations = 64; // CredentialsFor's count
            o.AuthAccountFreeFailures = 3;
            o.AuthAccountBackoff = TimeSpan.FromSeconds(2);
            o.AuthAccountMaxBackoff = TimeSpan.FromSeconds(60);
        }, _clock);
        _h.CreateUser("alice", "wonderland");
    }

    public void Dispose() => _h.Dispose();

    private Session Auth(string user, SaslStep step) =>
        _h.Request(C2s1, new Session { Action = Action.Auth, Target = user, Sasl = step }).Session;

    private static void AssertNoSecrets(Session answer)
    {
        Assert.Null(answer.Credentials);
        Assert.Empty(answer.Users);
    }

    /// <summary>A whole SCRAM login the way c2s runs it: client-first, SCRAM_START, client-final, SCRAM_PROOF.</summary>
    private (Session Start, Session Proof, ScramClient Client) Scram(string user, string password, string mechanism = "SCRAM-SHA-256")
    {
        var algorithm = ScramAlgorithm.ByMechanism(mechanism)!;
        var client = new ScramClient(algorithm, user.Split('@')[0], password);
        var server = new ScramServer(algorithm);
        Assert.True(server.ReadClientFirst(client.ClientFirst()));
        var start = Auth(user, new SaslStep { Step = Step.ScramStart, Mechanism = mechanism });
        Assert.False(start.Failed, start.Reason);
        var final = client.ClientFinal(server.ServerFirst(start.SaslResult.Salt.ToByteArray(), start.SaslResult.Iterations));
        var proof = server.ReadClientFinal(final)!;
        var answer = Auth(user, new SaslStep { Step = Step.ScramProof, Mechanism = mechanism, AuthMessage = proof.AuthMessage, ClientProof = ByteString.CopyFrom(proof.ClientProof) });
        return (start, answer, client);
    }

    [Theory]
    [InlineData("SCRAM-SHA-256")]
    [InlineData("SCRAM-SHA-1")]
    public void A_known_account_with_the_right_password_gets_the_server_signature_and_no_key(string mechanism)
    {
        var (start, proof, client) = Scram("alice@localhost", "wonderland", mechanism);

        var stored = _h.Storage.GetCredentials("alice@localhost")!.Single(c => c.Mechanism == mechanism);
        Assert.Equal(Action.Authed, start.Action);
        Assert.Equal(stored.Salt, start.SaslResult.Salt.ToByteArray());
        Assert.Equal(stored.Iterations, start.SaslResult.Iterations);
        Assert.Equal(Action.Authed, proof.Action);
        Assert.True(client.VerifyServerFinal(ScramServer.ServerFinal(proof.SaslResult.ServerSignature.ToByteArray())));
        Assert.NotEqual(stored.ServerKey, proof.SaslResult.ServerSignature.ToByteArray());
        AssertNoSecrets(start);
        AssertNoSecrets(proof);
    }

    [Fact]
    public void A_wrong_proof_is_not_authorized()
    {
        var (_, proof, _) = Scram("alice@localhost", "wrong");
        Assert.Equal(Action.Auth, proof.Action);
        Assert.True(proof.Failed);
        Assert.Equal("not-authorized", proof.Reason);
        AssertNoSecrets(proof);
    }

    [Fact]
    public void An_unknown_account_gets_a_deterministic_fake_salt_the_configured_count_and_fails_at_the_proof()
    {
        var (start, proof, _) = Scram("ghost@localhost", "anything");
        var again = Auth("ghost@localhost", new SaslStep { Step = Step.ScramStart, Mechanism = "SCRAM-SHA-256" });
        var other = Auth("phantom@localhost", new SaslStep { Step = Step.ScramStart, Mechanism = "SCRAM-SHA-256" });
        var sha1 = Auth("ghost@localhost", new SaslStep { Step = Step.ScramStart, Mechanism = "SCRAM-SHA-1" });

        Assert.Equal(Action.Authed, start.Action); // answered like a known account
        Assert.Equal(16, start.SaslResult.Salt.Length);
        Assert.Equal(64, start.SaslResult.Iterations);
        Assert.Equal(start.SaslResult.Salt, again.SaslResult.Salt);
        Assert.NotEqual(start.SaslResult.Salt, other.SaslResult.Salt);
        Assert.NotEqual(start.SaslResult.Salt, sha1.SaslResult.Salt);
        Assert.True(proof.Failed);
        Assert.Equal("not-authorized", proof.Reason); // the same answer as a wrong password
    }

    [Fact]
    public void The_fake_salt_secret_is_kept_in_the_data_directory_and_survives_a_restart()
    {
        var secret = SaslSecret.LoadOrCreate(_h.Options.DataDirectory);
        Assert.Equal(32, secret.Length);
        Assert.Equal(secret, SaslSecret.LoadOrCreate(_h.Options.DataDirectory));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_h.Options.DataDirectory, SaslSecret.FileName)));

        var before = Auth("ghost@localhost", new SaslStep { Step = Step.ScramStart, Mechanism = "SCRAM-SHA-256" }).SaslResult.Salt;
        using var restarted = new SmHarness(o => o.DataDirectory = _h.Options.DataDirectory);
        var after = restarted.Request(C2s1, new Session { Action = Action.Auth, Target = "ghost@localhost", Sasl = new SaslStep { Step = Step.ScramStart, Mechanism = "SCRAM-SHA-256" } });
        Assert.Equal(before, after.Session.SaslResult.Salt);
    }

    [Fact]
    public void Failures_lock_the_account_name_for_a_growing_backoff_that_expires()
    {
        // One login attempt as c2s runs it; null when it succeeded, else sm's reason.
        string? Try(string password)
        {
            var start = Auth("alice@localhost", new SaslStep { Step = Step.ScramStart, Mechanism = "SCRAM-SHA-256" });
            if (start.Failed) return start.Reason;
            var client = new ScramClient(ScramAlgorithm.Sha256, "alice", password);
            var server = new ScramServer(ScramAlgorithm.Sha256);
            Assert.True(server.ReadClientFirst(client.ClientFirst()));
            var proof = server.ReadClientFinal(client.ClientFinal(server.ServerFirst(start.SaslResult.Salt.ToByteArray(), start.SaslResult.Iterations)))!;
            var answer = Auth("alice@localhost", new SaslStep { Step = Step.ScramProof, Mechanism = "SCRAM-SHA-256", AuthMessage = proof.AuthMessage, ClientProof = ByteString.CopyFrom(proof.ClientProof) });
            return answer.Failed ? answer.Reason : null;
        }

        for (var i = 0; i < 3; i++) Assert.Equal("not-authorized", Try("wrong"));
        Assert.Null(Try("wonderland")); // free failures: no lock; success forgets them

        for (var i = 0; i < 4; i++) Assert.Equal("not-authorized", Try("wrong")); // 4th: locked 2 s
        Assert.Equal("account-locked", Try("wonderland"));
        _clock.Now += TimeSpan.FromSeconds(2.1);
        Assert.Equal("not-authorized", Try("wrong")); // 5th: locked 4 s
        _clock.Now += TimeSpan.FromSeconds(2.1);
        Assert.Equal("account-locked", Try("wonderland"));
        _clock.Now += TimeSpan.FromSeconds(2);
        Assert.Null(Try("wonderland"));
    }

    [Fact]
    public void Unknown_account_names_lock_alike_and_aborts_count()
    {
        for (var i = 0; i < 4; i++)
        {
            var abort = Auth("ghost@localhost", new SaslStep { Step = Step.Abort, Mechanism = "SCRAM-SHA-256" });
            Assert.Equal(Action.Authed, abort.Action);
        }
        Assert.Equal("account-locked", Auth("ghost@localhost", new SaslStep { Step = Step.ScramStart, Mechanism = "SCRAM-SHA-256" }).Reason);
        Assert.False(Auth("alice@localhost", new SaslStep { Step = Step.ScramStart, Mechanism = "SCRAM-SHA-256" }).Failed); // other names are not affected
    }

    [Fact]
    public void Bad_steps_are_bad_requests()
    {
        Assert.Equal("bad-request", Auth("alice@localhost", new SaslStep()).Reason);
        Assert.Equal("bad-request", Auth("alice@localhost", new SaslStep { Step = Step.ScramStart, Mechanism = "PLAIN" }).Reason);
        Assert.Equal("bad-request", Auth("alice@localhost", new SaslStep { Step = Step.ScramProof, Mechanism = "SCRAM-SHA-256" }).Reason);
        Assert.Equal("bad-target", Auth("alice@localhost/r", new SaslStep { Step = Step.ScramStart, Mechanism = "SCRAM-SHA-256" }).Reason);
    }

    [Fact]
    public void Nothing_sm_answers_to_an_auth_step_has_a_field_for_a_key_or_a_hash()
    {
        // The message types of an AUTHED answer: Session's own fields, and SaslResult's.
        // (XEP-0480 added mechanism names, a count and a flag: still no key.)
        // fast_token is XEP-0484's token, which the client must receive (once, in SASL2's success);
        // ht_responder is an HMAC proving sm holds it. Neither is a key of the account.
        Assert.Equal(["fast_token", "fast_token_expiry", "ht_responder", "iterations", "rehash_iterations", "salt", "server_signature", "upgrade", "upgrade_iterations", "upgraded"],
            SaslResult.Descriptor.Fields.InDeclarationOrder().Select(f => f.Name).Order());
        Assert.DoesNotContain(SaslResult.Descriptor.Fields.InDeclarationOrder(), f => f.FieldType == Google.Protobuf.Reflection.FieldType.Message);
        Assert.DoesNotContain(SaslStep.Descriptor.Fields.InDeclarationOrder(), f => f.Name.Contains("key", StringComparison.Ordinal));
        // Nor what c2s asks: no password crosses the router (c2s proves a PLAIN password with a SCRAM proof).
        Assert.DoesNotContain(SaslStep.Descriptor.Fields.InDeclarationOrder(), f => f.Name.Contains("password", StringComparison.Ordinal));
    }
}
