using System.Text;
using System.Xml.Linq;
using Xmpp.C2s.Sasl;
using Xmpp.Common;
using Google.Protobuf;
using Xmpp.Common.Sasl;
using Xmpp.Protos;

namespace Xmpp.C2s.Tests;

/// <summary>RFC 6120 §6 as c2s plays it, with a backend that answers the way sm does (and records what c2s asked).</summary>
public sealed class SaslNegotiatorTests
{
    /// <summary>sm's side, in miniature: the keys stay here; answers are salts, counts, signatures, verdicts.</summary>
    private sealed class FakeSm : ISaslBackend
    {
        public Dictionary<string, ScramCredentialData[]> Users { get; } = new();
        public bool Down { get; set; }
        public bool Locked { get; set; }
        public List<SaslStep> Steps { get; } = [];
        /// <summary>The count a known account is asked to be re-derived with when c2s can (PLAIN); 0: never.</summary>
        public int RehashTo { get; set; }

        public Task<SaslAnswer> CheckAsync(string bareJid, SaslStep step, CancellationToken ct)
        {
            Steps.Add(step);
            if (Down) return Task.FromResult(SaslAnswer.Unavailable);
            if (Locked) return Task.FromResult(new SaslAnswer(SaslVerdict.Locked));
            var stored = Users.GetValueOrDefault(bareJid);
            var credential = stored?.FirstOrDefault(c => c.Mechanism == step.Mechanism)
                             ?? ScramAlgorithm.Sha256.Derive("unguessable", 1024, new byte[16]) with { Mechanism = step.Mechanism };
            return Task.FromResult(step.Step switch
            {
                SaslStep.Types.Step.ScramStart => new SaslAnswer(SaslVerdict.Ok, new SaslResult { Salt = ByteString.CopyFrom(credential.Salt), Iterations = credential.Iterations, RehashIterations = step.CanRehash && stored is not null ? RehashTo : 0 }),
                SaslStep.Types.Step.ScramProof => ScramVerifier.VerifyProof(credential, step.AuthMessage, step.ClientProof.ToByteArray()) is { } sig && stored is not null
                    ? new SaslAnswer(SaslVerdict.Ok, new SaslResult { ServerSignature = ByteString.CopyFrom(sig) })
                    : new SaslAnswer(SaslVerdict.Failed),
                _ => new SaslAnswer(SaslVerdict.Ok, new SaslResult()),
            });
        }

        public void Add(string bareJid, string password) =>
            Users[bareJid] = [ScramAlgorithm.Sha256.Derive(password, 1024), ScramAlgorithm.Sha1.Derive(password, 1024)];
    }

    private static readonly XNamespace Sasl = Ns.Sasl;
    private readonly FakeSm _sm = new();

    public SaslNegotiatorTests() => _sm.Add("alice@localhost", "secret");

    private SaslNegotiator Negotiator(bool secure = true) => new("localhost", secure, _sm);

    private static XElement Auth(string mechanism, string data) =>
        new(Sasl + "auth", new XAttribute("mechanism", mechanism), Convert.ToBase64String(Encoding.UTF8.GetBytes(data)));

    private static XElement Response(string data) => new(Sasl + "response", Convert.ToBase64String(Encoding.UTF8.GetBytes(data)));

    private static string Decode(string b64) => Encoding.UTF8.GetString(Convert.FromBase64String(b64));

    private async Task<(SaslOutcome Outcome, ScramClient Client)> ScramAsync(ScramAlgorithm algorithm, string user, string password)
    {
        var negotiator = Negotiator();
        var client = new ScramClient(algorithm, user, password);
        var challenge = Assert.IsType<SaslOutcome.Challenge>(await negotiator.HandleAsync(Auth(algorithm.Mechanism, client.ClientFirst()), default));
        var final = client.ClientFinal(Decode(challenge.Data));
        return (await negotiator.HandleAsync(Response(final), default), client);
    }

    [Theory]
    [InlineData("SCRAM-SHA-256")]
    [InlineData("SCRAM-SHA-1")]
    public async Task Scram_with_the_right_password_succeeds_and_proves_the_server(string mechanism)
    {
        var (outcome, client) = await ScramAsync(ScramAlgorithm.ByMechanism(mechanism)!, "alice", "secret");
        var success = Assert.IsType<SaslOutcome.Success>(outcome);
        Assert.Equal("alice", success.LocalPart);
        Assert.True(client.VerifyServerFinal(Decode(success.Data!)));
    }

    [Fact]
    public async Task Scram_with_a_wrong_password_is_not_authorized()
    {
        var (outcome, _) = await ScramAsync(ScramAlgorithm.Sha256, "alice", "wrong");
        var failure = Assert.IsType<SaslOutcome.Failure>(outcome);
        Assert.Equal("not-authorized", failure.Condition);
        Assert.True(failure.CountsAsAttempt);
    }

    [Fact]
    public async Task Scram_for_an_unknown_user_runs_to_the_end_and_is_not_authorized()
    {
        // The challenge looks like any other, so the exchange does not reveal whether the account exists.
        var (outcome, _) = await ScramAsync(ScramAlgorithm.Sha256, "nobody", "secret");
        Assert.Equal("not-authorized", Assert.IsType<SaslOutcome.Failure>(outcome).Condition);
    }

    [Fact]
    public async Task Plain_under_tls_checks_the_password_against_the_stored_scram_keys()
    {
        var ok = await Negotiator().HandleAsync(Auth("PLAIN", "\0alice\0secret"), default);
        Assert.Equal("alice", Assert.IsType<SaslOutcome.Success>(ok).LocalPart);
        // The password stays in c2s: sm is asked for the salt, then checks a SCRAM-SHA-256 proof.
        Assert.Equal([SaslStep.Types.Step.ScramStart, SaslStep.Types.Step.ScramProof], _sm.Steps.Select(s => s.Step));
        Assert.All(_sm.Steps, s => Assert.DoesNotContain("secret", s.ToString(), StringComparison.Ordinal));
        var bad = await Negotiator().HandleAsync(Auth("PLAIN", "\0alice\0nope"), default);
        Assert.Equal("not-authorized", Assert.IsType<SaslOutcome.Failure>(bad).Condition);
    }

    [Fact]
    public async Task Plain_sends_keys_derived_from_the_password_at_the_count_sm_asks_for_with_the_proof_and_scram_never_does()
    {
        _sm.RehashTo = 2048;
        Assert.IsType<SaslOutcome.Success>(await Negotiator().HandleAsync(Auth("PLAIN", "\0alice\0secret"), default));
        var start = _sm.Steps[0];
        Assert.True(start.CanRehash);
        var proof = _sm.Steps[1];
        Assert.Equal(SaslStep.Types.Step.ScramProof, proof.Step);
        Assert.Equal(["SCRAM-SHA-1", "SCRAM-SHA-256"], proof.Rehash.Scram.Select(c => c.Mechanism).Order());
        foreach (var c in proof.Rehash.Scram)
        {
            Assert.Equal(2048, c.Iterations);
            Assert.Equal(16, c.Salt.Length);
            var expected = ScramAlgorithm.ByMechanism(c.Mechanism)!.Derive("secret", 2048, c.Salt.ToByteArray());
            Assert.Equal(expected.StoredKey, c.StoredKey.ToByteArray());
            Assert.Equal(expected.ServerKey, c.ServerKey.ToByteArray());
        }
        Assert.NotEqual(proof.Rehash.Scram[0].Salt, proof.Rehash.Scram[1].Salt);

        _sm.Steps.Clear();
        _sm.RehashTo = 0; // the count is current: nothing is derived
        Assert.IsType<SaslOutcome.Success>(await Negotiator().HandleAsync(Auth("PLAIN", "\0alice\0secret"), default));
        Assert.Null(_sm.Steps[1].Rehash);

        _sm.Steps.Clear();
        _sm.RehashTo = 2048; // SCRAM: the password is the client's, c2s neither asks nor sends
        Assert.IsType<SaslOutcome.Success>((await ScramAsync(ScramAlgorithm.Sha256, "alice", "secret")).Outcome);
        Assert.False(_sm.Steps[0].CanRehash);
        Assert.Null(_sm.Steps[1].Rehash);
    }

    [Fact]
    public async Task Plain_is_not_offered_nor_accepted_without_tls()
    {
        Assert.DoesNotContain("PLAIN", SaslNegotiator.Mechanisms(secure: false));
        Assert.Contains("PLAIN", SaslNegotiator.Mechanisms(secure: true));
        var outcome = await Negotiator(secure: false).HandleAsync(Auth("PLAIN", "\0alice\0secret"), default);
        Assert.Equal("encryption-required", Assert.IsType<SaslOutcome.Failure>(outcome).Condition);
        Assert.Empty(_sm.Steps);
    }

    [Fact]
    public async Task Unknown_mechanism_bad_base64_and_sm_down_get_their_own_conditions()
    {
        Assert.Equal("invalid-mechanism", Assert.IsType<SaslOutcome.Failure>(await Negotiator().HandleAsync(Auth("DIGEST-MD5", "x"), default)).Condition);
        var badBase64 = new XElement(Sasl + "auth", new XAttribute("mechanism", "PLAIN"), "***");
        Assert.Equal("incorrect-encoding", Assert.IsType<SaslOutcome.Failure>(await Negotiator().HandleAsync(badBase64, default)).Condition);
        _sm.Down = true;
        Assert.Equal("temporary-auth-failure", Assert.IsType<SaslOutcome.Failure>(await Negotiator().HandleAsync(Auth("PLAIN", "\0alice\0secret"), default)).Condition);
    }

    [Fact]
    public async Task Abort_cancels_the_exchange_counts_as_a_failure_and_tells_sm()
    {
        var negotiator = Negotiator();
        await negotiator.HandleAsync(Auth("SCRAM-SHA-256", new ScramClient(ScramAlgorithm.Sha256, "alice", "secret").ClientFirst()), default);
        Assert.True(negotiator.InProgress);
        var aborted = Assert.IsType<SaslOutcome.Failure>(await negotiator.HandleAsync(new XElement(Sasl + "abort"), default));
        Assert.Equal("aborted", aborted.Condition);
        Assert.True(aborted.CountsAsAttempt);
        Assert.False(negotiator.InProgress);
        Assert.Equal(SaslStep.Types.Step.Abort, _sm.Steps[^1].Step);
    }

    [Fact]
    public async Task A_locked_account_gets_temporary_auth_failure()
    {
        _sm.Locked = true;
        var scram = await Negotiator().HandleAsync(Auth("SCRAM-SHA-256", new ScramClient(ScramAlgorithm.Sha256, "alice", "secret").ClientFirst()), default);
        Assert.Equal("temporary-auth-failure", Assert.IsType<SaslOutcome.Failure>(scram).Condition);
        var plain = await Negotiator().HandleAsync(Auth("PLAIN", "\0alice\0secret"), default);
        Assert.Equal("temporary-auth-failure", Assert.IsType<SaslOutcome.Failure>(plain).Condition);
    }

    [Fact]
    public async Task What_c2s_sends_sm_is_the_exchange_not_a_key()
    {
        var (outcome, _) = await ScramAsync(ScramAlgorithm.Sha256, "alice", "secret");
        Assert.IsType<SaslOutcome.Success>(outcome);
        Assert.Equal([SaslStep.Types.Step.ScramStart, SaslStep.Types.Step.ScramProof], _sm.Steps.Select(s => s.Step));
        var proof = _sm.Steps[1];
        Assert.StartsWith("n=alice,r=", proof.AuthMessage);
        Assert.Contains(",s=", proof.AuthMessage);
        Assert.Contains(",c=biws,r=", proof.AuthMessage);
        Assert.Equal(32, proof.ClientProof.Length);
    }

    // ---- channel binding (SCRAM-*-PLUS) ----

    private static readonly byte[] EndPoint = Enumerable.Range(7, 32).Select(i => (byte)i).ToArray();
    private static readonly ScramChannelBinding Binding = new(new Dictionary<string, byte[]> { ["tls-server-end-point"] = EndPoint });

    [Fact]
    public void Plus_mechanisms_are_offered_first_only_with_a_channel_binding()
    {
        Assert.Equal(["SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"], SaslNegotiator.Mechanisms(true, Binding));
        Assert.Equal(["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"], SaslNegotiator.Mechanisms(true, ScramChannelBinding.None));
    }

    [Theory]
    [InlineData("SCRAM-SHA-256-PLUS")]
    [InlineData("SCRAM-SHA-1-PLUS")]
    public async Task A_plus_login_with_this_connections_binding_succeeds_and_sm_checks_the_plain_mechanisms_keys(string mechanism)
    {
        var negotiator = new SaslNegotiator("localhost", true, _sm, Binding);
        var algorithm = ScramAlgorithm.ByMechanism(mechanism[..^"-PLUS".Length])!;
        var client = new ScramClient(algorithm, "alice", "secret").WithChannelBinding("p=tls-server-end-point", EndPoint);
        var challenge = Assert.IsType<SaslOutcome.Challenge>(await negotiator.HandleAsync(Auth(mechanism, client.ClientFirst()), default));
        var success = Assert.IsType<SaslOutcome.Success>(await negotiator.HandleAsync(Response(client.ClientFinal(Decode(challenge.Data))), default));
        Assert.True(client.VerifyServerFinal(Decode(success.Data!)));
        Assert.All(_sm.Steps, s => Assert.Equal(algorithm.Mechanism, s.Mechanism));
        Assert.Contains(",c=" + Convert.ToBase64String([.. Encoding.UTF8.GetBytes("p=tls-server-end-point,,"), .. EndPoint]) + ",", _sm.Steps[^1].AuthMessage);
    }

    [Fact]
    public async Task A_plus_login_with_another_binding_is_not_authorized_and_sm_is_not_asked_for_the_proof()
    {
        var negotiator = new SaslNegotiator("localhost", true, _sm, Binding);
        var client = new ScramClient(ScramAlgorithm.Sha256, "alice", "secret").WithChannelBinding("p=tls-server-end-point", new byte[32]);
        var challenge = Assert.IsType<SaslOutcome.Challenge>(await negotiator.HandleAsync(Auth("SCRAM-SHA-256-PLUS", client.ClientFirst()), default));
        var failure = Assert.IsType<SaslOutcome.Failure>(await negotiator.HandleAsync(Response(client.ClientFinal(Decode(challenge.Data))), default));
        Assert.Equal("not-authorized", failure.Condition);
        Assert.DoesNotContain(_sm.Steps, s => s.Step == SaslStep.Types.Step.ScramProof);
    }

    [Theory]
    [InlineData("SCRAM-SHA-256", "y", "not-authorized")]                        // downgrade: -PLUS was offered
    [InlineData("SCRAM-SHA-256-PLUS", "n", "malformed-request")]                // -PLUS without binding
    [InlineData("SCRAM-SHA-256-PLUS", "p=tls-exporter", "malformed-request")]   // a type this connection has not
    [InlineData("SCRAM-SHA-256", "p=tls-server-end-point", "malformed-request")] // binding without -PLUS
    public async Task Channel_binding_flags_that_do_not_fit_fail_before_sm_is_asked(string mechanism, string flag, string condition)
    {
        var negotiator = new SaslNegotiator("localhost", true, _sm, Binding);
        var client = new ScramClient(ScramAlgorithm.Sha256, "alice", "secret").WithChannelBinding(flag, EndPoint);
        var failure = Assert.IsType<SaslOutcome.Failure>(await negotiator.HandleAsync(Auth(mechanism, client.ClientFirst()), default));
        Assert.Equal(condition, failure.Condition);
        Assert.False(failure.CountsAsAttempt); // no password was tried
        Assert.NotNull(failure.Text);
        Assert.Empty(_sm.Steps);
    }

    [Fact]
    public async Task Y_is_accepted_where_no_plus_mechanism_was_offered()
    {
        var negotiator = new SaslNegotiator("localhost", true, _sm, ScramChannelBinding.None);
        var client = new ScramClient(ScramAlgorithm.Sha256, "alice", "secret").WithChannelBinding("y");
        var challenge = Assert.IsType<SaslOutcome.Challenge>(await negotiator.HandleAsync(Auth("SCRAM-SHA-256", client.ClientFirst()), default));
        Assert.IsType<SaslOutcome.Success>(await negotiator.HandleAsync(Response(client.ClientFinal(Decode(challenge.Data))), default));
        Assert.Equal("invalid-mechanism", Assert.IsType<SaslOutcome.Failure>(
            await new SaslNegotiator("localhost", true, _sm).HandleAsync(Auth("SCRAM-SHA-256-PLUS", "p=tls-server-end-point,,n=alice,r=x"), default)).Condition);
    }
}
