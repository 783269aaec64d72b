using System.Text;
using System.Xml.Linq;
using Xmpp.C2s.Sasl;
using Xmpp.Common;
using Xmpp.Common.Sasl;

namespace Xmpp.C2s.Tests;

/// <summary>RFC 6120 §6 as c2s plays it, with credentials as sm would return them.</summary>
public sealed class SaslNegotiatorTests
{
    private sealed class Credentials : ICredentialSource
    {
        public Dictionary<string, CredentialLookup> Users { get; } = new();
        public bool Down { get; set; }
        public int Lookups { get; private set; }

        public Task<CredentialLookup> LookupAsync(string bareJid, CancellationToken ct)
        {
            Lookups++;
            if (Down) return Task.FromResult(CredentialLookup.Unavailable);
            return Task.FromResult(Users.GetValueOrDefault(bareJid) ?? CredentialLookup.NotFound);
        }

        public void Add(string bareJid, string password) =>
            Users[bareJid] = new CredentialLookup(LookupStatus.Found,
                [ScramAlgorithm.Sha256.Derive(password, 1024), ScramAlgorithm.Sha1.Derive(password, 1024)]);
    }

    private static readonly XNamespace Sasl = Ns.Sasl;
    private readonly Credentials _credentials = new();

    public SaslNegotiatorTests() => _credentials.Add("alice@localhost", "secret");

    private SaslNegotiator Negotiator(bool secure = true) => new("localhost", secure, _credentials, new byte[32]);

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
        var bad = await Negotiator().HandleAsync(Auth("PLAIN", "\0alice\0nope"), default);
        Assert.Equal("not-authorized", Assert.IsType<SaslOutcome.Failure>(bad).Condition);
    }

    [Fact]
    public async Task Plain_is_not_offered_nor_accepted_without_tls()
    {
        Assert.DoesNotContain("PLAIN", SaslNegotiator.Mechanisms(secure: false));
        Assert.Contains("PLAIN", SaslNegotiator.Mechanisms(secure: true));
        var outcome = await Negotiator(secure: false).HandleAsync(Auth("PLAIN", "\0alice\0secret"), default);
        Assert.Equal("encryption-required", Assert.IsType<SaslOutcome.Failure>(outcome).Condition);
        Assert.Equal(0, _credentials.Lookups);
    }

    [Fact]
    public async Task Unknown_mechanism_bad_base64_and_sm_down_get_their_own_conditions()
    {
        Assert.Equal("invalid-mechanism", Assert.IsType<SaslOutcome.Failure>(await Negotiator().HandleAsync(Auth("DIGEST-MD5", "x"), default)).Condition);
        var badBase64 = new XElement(Sasl + "auth", new XAttribute("mechanism", "PLAIN"), "***");
        Assert.Equal("incorrect-encoding", Assert.IsType<SaslOutcome.Failure>(await Negotiator().HandleAsync(badBase64, default)).Condition);
        _credentials.Down = true;
        Assert.Equal("temporary-auth-failure", Assert.IsType<SaslOutcome.Failure>(await Negotiator().HandleAsync(Auth("PLAIN", "\0alice\0secret"), default)).Condition);
    }

    [Fact]
    public async Task Abort_cancels_the_exchange()
    {
        var negotiator = Negotiator();
        await negotiator.HandleAsync(Auth("SCRAM-SHA-256", new ScramClient(ScramAlgorithm.Sha256, "alice", "secret").ClientFirst()), default);
        Assert.True(negotiator.InProgress);
        Assert.Equal("aborted", Assert.IsType<SaslOutcome.Failure>(await negotiator.HandleAsync(new XElement(Sasl + "abort"), default)).Condition);
        Assert.False(negotiator.InProgress);
    }
}
