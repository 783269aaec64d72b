using System.Text;
using System.Xml.Linq;
using Google.Protobuf;
using Xmpp.C2s.Sasl;
using Xmpp.Common.Sasl;
using Xmpp.Protos;
using Step = Xmpp.Protos.SaslStep.Types.Step;

namespace Xmpp.C2s.Tests;

/// <summary>
/// XEP-0484 FAST as c2s plays it inside SASL2 (Sasl2Negotiator + FastExchange), against a backend
/// that answers as sm does: the inline feature, token requests passed with the proof, the
/// one-round-trip HT-* login with c2s's own channel binding data, and sm's verdicts mapped to
/// SASL2 failures. c2s keeps no token: it only relays what sm issues.
/// </summary>
public sealed class FastNegotiationTests
{
    private const string UserAgent = "d4565fa7-4d72-4749-b3d3-740edbf87770";
    private static readonly byte[] EndPoint = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly ScramChannelBinding Binding = new(new Dictionary<string, byte[]> { ["tls-server-end-point"] = EndPoint });
    private static readonly XNamespace Sasl2 = Sasl2Namespaces.Sasl2;
    private static readonly XNamespace Fast = FastXml.Namespace;

    /// <summary>sm in miniature: one password, one token per (user, mechanism); issues on request after a proof held.</summary>
    private sealed class FakeSm : ISaslBackend
    {
        private readonly ScramCredentialData _key = ScramAlgorithm.Sha256.Derive("secret", 1024);
        public List<SaslStep> Steps { get; } = [];
        public Dictionary<string, string> Tokens { get; } = new(); // mechanism -> token of alice
        public bool Expired { get; set; }

        public Task<SaslAnswer> CheckAsync(string bareJid, SaslStep step, CancellationToken ct)
        {
            Steps.Add(step.Clone());
            var known = bareJid == "alice@localhost";
            switch (step.Step)
            {
                case Step.ScramStart:
                    return Ok(new SaslResult { Salt = ByteString.CopyFrom(_key.Salt), Iterations = _key.Iterations });
                case Step.ScramProof:
                    if (!known || ScramVerifier.VerifyProof(_key, step.AuthMessage, step.ClientProof.ToByteArray()) is not { } sig)
                        return Task.FromResult(new SaslAnswer(SaslVerdict.Failed));
                    var result = new SaslResult { ServerSignature = ByteString.CopyFrom(sig) };
                    if (step.Fast is { RequestToken.Length: > 0, UserAgentId.Length: > 0 } fast) Issue(fast.RequestToken, result);
                    return Ok(result);
                case Step.HtCheck:
                    if (!known || !Tokens.TryGetValue(step.Mechanism, out var token) ||
                        !HtToken.Matches(HtToken.Initiator(HtToken.Key(token), step.ChannelBinding.Span), step.HtHash.Span))
                        return Task.FromResult(new SaslAnswer(SaslVerdict.Failed));
                    if (Expired) return Task.FromResult(new SaslAnswer(SaslVerdict.Expired));
                    var answer = new SaslResult { HtResponder = ByteString.CopyFrom(HtToken.Responder(HtToken.Key(token), step.ChannelBinding.Span)) };
                    if (step.Fast.RequestToken.Length > 0) Issue(step.Fast.RequestToken, answer);
                    return Ok(answer);
                default:
                    return Ok(new SaslResult());
            }
        }

        private void Issue(string mechanism, SaslResult result)
        {
            Tokens[mechanism] = result.FastToken = "secret-token:fast-" + Guid.NewGuid().ToString("N");
            result.FastTokenExpiry = new DateTimeOffset(2026, 12, 21, 12, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        }

        private static Task<SaslAnswer> Ok(SaslResult result) => Task.FromResult(new SaslAnswer(SaslVerdict.Ok, result));
    }

    private readonly FakeSm _sm = new();

    private Sasl2Negotiator Negotiator(ScramChannelBinding? binding = null)
    {
        binding ??= Binding;
        return new Sasl2Negotiator(new SaslNegotiator("localhost", secure: true, _sm, binding), SaslNegotiator.Mechanisms(true, binding),
            new FastExchange("localhost", _sm, binding));
    }

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
    private static string Decode(string b64) => Encoding.UTF8.GetString(Convert.FromBase64String(b64.Trim()));
    private static XElement UserAgentElement(string id = UserAgent) => new(Sasl2 + "user-agent", new XAttribute("id", id), new XElement(Sasl2 + "software", "AwesomeXMPP"));

    /// <summary>A SASL2 SCRAM-SHA-256 login with the given extra children (request-token, ...): what follows the proof.</summary>
    private static async Task<Sasl2Outcome> ScramAsync(Sasl2Negotiator negotiator, params object[] children)
    {
        var client = new ScramClient(ScramAlgorithm.Sha256, "alice", "secret");
        var first = await negotiator.HandleAsync(new XElement(Sasl2 + "authenticate", new XAttribute("mechanism", "SCRAM-SHA-256"),
            new XElement(Sasl2 + "initial-response", B64(client.ClientFirst())), children), default);
        if (first is not Sasl2Outcome.Send send) return first;
        var challenge = XElement.Parse(send.Xml);
        return await negotiator.HandleAsync(new XElement(Sasl2 + "response", B64(client.ClientFinal(Decode(challenge.Value)))), default);
    }

    /// <summary>The XEP's authenticate with a token: initial-response authcid NUL HMAC(token, "Initiator" || cb-data).</summary>
    private static XElement HtAuthenticate(string mechanism, string token, byte[] clientCb, string authcid = "alice", params object[] children) =>
        new(Sasl2 + "authenticate", new XAttribute("mechanism", mechanism),
            new XElement(Sasl2 + "initial-response", Convert.ToBase64String(HtToken.InitialResponse(authcid, token, clientCb))), children);

    [Fact]
    public void The_sasl2_feature_lists_fast_inline_with_the_connections_channel_bound_mechanisms_and_none()
    {
        var feature = XElement.Parse(Sasl2Xml.Feature(["SCRAM-SHA-256"], [], [], [FastXml.Feature(HtMechanism.Offered(Binding))]));
        var fast = feature.Element(Sasl2 + "inline")!.Element(Fast + "fast")!;
        Assert.Equal(["HT-SHA-256-ENDP", "HT-SHA-256-NONE"], fast.Elements(Fast + "mechanism").Select(m => m.Value));
        Assert.Null(fast.Attribute("tls-0rtt"));
        Assert.NotNull(feature.Element(Sasl2 + "inline")!.Element(XName.Get("bind", Sasl2Namespaces.Bind2)));
        Assert.DoesNotContain(feature.Elements(Sasl2 + "mechanism"), m => m.Value.StartsWith("HT-", StringComparison.Ordinal));

        var plain = XElement.Parse(Sasl2Xml.Feature(["SCRAM-SHA-256"], [], [], [FastXml.Feature(HtMechanism.Offered(ScramChannelBinding.None))]));
        Assert.Equal(["HT-SHA-256-NONE"], plain.Descendants(Fast + "mechanism").Select(m => m.Value));
    }

    [Fact]
    public async Task A_password_login_with_request_token_passes_the_request_with_the_proof_and_returns_sms_token()
    {
        var outcome = await ScramAsync(Negotiator(), UserAgentElement(), new XElement(Fast + "request-token", new XAttribute("mechanism", "HT-SHA-256-ENDP")));

        var done = Assert.IsType<Sasl2Outcome.Authenticated>(outcome);
        Assert.NotNull(done.Token);
        Assert.Equal(_sm.Tokens["HT-SHA-256-ENDP"], done.Token.Token);
        var proof = Assert.Single(_sm.Steps, s => s.Step == Step.ScramProof);
        Assert.Equal(UserAgent, proof.Fast.UserAgentId);
        Assert.Equal("HT-SHA-256-ENDP", proof.Fast.RequestToken);

        var token = FastXml.Token(done.Token);
        Assert.Equal(Fast + "token", token.Name);
        Assert.Equal("2026-12-21T12:00:00Z", (string?)token.Attribute("expiry"));
        Assert.Equal(done.Token.Token, (string?)token.Attribute("token"));
        Assert.DoesNotContain(done.Token.Token, done.Token.ToString()); // never in a log line
    }

    [Fact]
    public async Task A_password_login_without_request_token_sends_sm_no_fast_request_and_gets_no_token()
    {
        var done = Assert.IsType<Sasl2Outcome.Authenticated>(await ScramAsync(Negotiator(), UserAgentElement()));
        Assert.Null(done.Token);
        Assert.All(_sm.Steps, s => Assert.Null(s.Fast));
    }

    [Fact]
    public async Task A_token_for_a_mechanism_not_offered_fails_the_authentication_before_sm_is_asked()
    {
        var outcome = await ScramAsync(Negotiator(), UserAgentElement(), new XElement(Fast + "request-token", new XAttribute("mechanism", "HT-SHA-256-EXPR")));
        var failure = Assert.IsType<Sasl2Outcome.Failure>(outcome);
        Assert.Equal("invalid-mechanism", failure.Condition);
        Assert.Empty(_sm.Steps);
    }

    [Theory]
    [InlineData("HT-SHA-256-ENDP")]
    [InlineData("HT-SHA-256-NONE")]
    public async Task A_token_login_is_one_round_trip_with_the_responder_hmac_as_additional_data(string mechanism)
    {
        await ScramAsync(Negotiator(), UserAgentElement(), new XElement(Fast + "request-token", new XAttribute("mechanism", mechanism)));
        var token = _sm.Tokens[mechanism];
        _sm.Steps.Clear();
        var cb = mechanism.EndsWith("-NONE", StringComparison.Ordinal) ? [] : EndPoint;

        var outcome = await Negotiator().HandleAsync(HtAuthenticate(mechanism, token, cb, "alice", UserAgentElement(), new XElement(Fast + "fast", new XAttribute("count", "7"))), default);

        var done = Assert.IsType<Sasl2Outcome.Authenticated>(outcome);
        Assert.Equal("alice", done.LocalPart);
        Assert.Equal(HtToken.Responder(HtToken.Key(token), cb), Convert.FromBase64String(done.AdditionalData!));
        Assert.Null(done.Token);
        var step = Assert.Single(_sm.Steps);
        Assert.Equal(Step.HtCheck, step.Step);
        Assert.Equal(mechanism, step.Mechanism);
        Assert.Equal(cb, step.ChannelBinding.ToByteArray()); // c2s's own data, not the client's word
        Assert.Equal(UserAgent, step.Fast.UserAgentId);
        Assert.Equal(7, step.Fast.Count);
        Assert.False(step.Fast.Invalidate);
    }

    [Fact]
    public async Task A_token_login_computed_over_another_connections_binding_fails_not_authorized_and_counts()
    {
        await ScramAsync(Negotiator(), UserAgentElement(), new XElement(Fast + "request-token", new XAttribute("mechanism", "HT-SHA-256-ENDP")));
        var outcome = await Negotiator().HandleAsync(HtAuthenticate("HT-SHA-256-ENDP", _sm.Tokens["HT-SHA-256-ENDP"], [.. EndPoint.Select(b => (byte)~b)], "alice",
            UserAgentElement(), new XElement(Fast + "fast")), default);
        var failure = Assert.IsType<Sasl2Outcome.Failure>(outcome);
        Assert.Equal("not-authorized", failure.Condition);
        Assert.True(failure.CountsAsAttempt);
    }

    [Fact]
    public async Task Invalidate_and_a_new_token_request_go_to_sm_with_the_token_login()
    {
        await ScramAsync(Negotiator(), UserAgentElement(), new XElement(Fast + "request-token", new XAttribute("mechanism", "HT-SHA-256-NONE")));
        var outcome = await Negotiator().HandleAsync(HtAuthenticate("HT-SHA-256-NONE", _sm.Tokens["HT-SHA-256-NONE"], [], "alice",
            UserAgentElement(), new XElement(Fast + "fast", new XAttribute("invalidate", "true")),
            new XElement(Fast + "request-token", new XAttribute("mechanism", "HT-SHA-256-ENDP"))), default);
        var done = Assert.IsType<Sasl2Outcome.Authenticated>(outcome);
        Assert.Equal(_sm.Tokens["HT-SHA-256-ENDP"], done.Token!.Token);
        var step = _sm.Steps.Last();
        Assert.True(step.Fast.Invalidate);
        Assert.Equal("HT-SHA-256-ENDP", step.Fast.RequestToken);
    }

    [Fact]
    public async Task An_expired_token_fails_credentials_expired()
    {
        await ScramAsync(Negotiator(), UserAgentElement(), new XElement(Fast + "request-token", new XAttribute("mechanism", "HT-SHA-256-NONE")));
        _sm.Expired = true;
        var outcome = await Negotiator().HandleAsync(HtAuthenticate("HT-SHA-256-NONE", _sm.Tokens["HT-SHA-256-NONE"], [], "alice", UserAgentElement(), new XElement(Fast + "fast")), default);
        Assert.Equal("credentials-expired", Assert.IsType<Sasl2Outcome.Failure>(outcome).Condition);
    }

    [Fact]
    public async Task Token_logins_need_the_fast_element_a_user_agent_id_a_well_formed_response_and_an_offered_mechanism()
    {
        const string token = "secret-token:fast-x";
        Assert.Equal("malformed-request", Failure(await Negotiator().HandleAsync(HtAuthenticate("HT-SHA-256-NONE", token, [], "alice", UserAgentElement()), default)));
        Assert.Equal("malformed-request", Failure(await Negotiator().HandleAsync(HtAuthenticate("HT-SHA-256-NONE", token, [], "alice", new XElement(Fast + "fast")), default)));
        Assert.Equal("malformed-request", Failure(await Negotiator().HandleAsync(HtAuthenticate("HT-SHA-256-NONE", token, [], "alice", UserAgentElement(), new XElement(Fast + "fast", new XAttribute("count", "-1"))), default)));
        var noNul = new XElement(Sasl2 + "authenticate", new XAttribute("mechanism", "HT-SHA-256-NONE"), new XElement(Sasl2 + "initial-response", B64("alice")), UserAgentElement(), new XElement(Fast + "fast"));
        Assert.Equal("malformed-request", Failure(await Negotiator().HandleAsync(noNul, default)));
        // -EXPR needs tls-exporter, which this connection does not have; -ENDP is not offered without TLS channel binding.
        Assert.Equal("invalid-mechanism", Failure(await Negotiator().HandleAsync(HtAuthenticate("HT-SHA-256-EXPR", token, EndPoint, "alice", UserAgentElement(), new XElement(Fast + "fast")), default)));
        Assert.Equal("invalid-mechanism", Failure(await Negotiator(ScramChannelBinding.None).HandleAsync(HtAuthenticate("HT-SHA-256-ENDP", token, EndPoint, "alice", UserAgentElement(), new XElement(Fast + "fast")), default)));
        Assert.Empty(_sm.Steps);
    }

    [Fact]
    public async Task An_unknown_account_fails_like_a_wrong_token()
    {
        var outcome = await Negotiator().HandleAsync(HtAuthenticate("HT-SHA-256-NONE", "secret-token:fast-x", [], "mallory", UserAgentElement(), new XElement(Fast + "fast")), default);
        var failure = Assert.IsType<Sasl2Outcome.Failure>(outcome);
        Assert.Equal("not-authorized", failure.Condition);
        Assert.True(failure.CountsAsAttempt);
    }

    [Fact]
    public async Task Without_fast_offered_ht_mechanisms_are_invalid()
    {
        var negotiator = new Sasl2Negotiator(new SaslNegotiator("localhost", secure: true, _sm, Binding), SaslNegotiator.Mechanisms(true, Binding));
        var outcome = await negotiator.HandleAsync(HtAuthenticate("HT-SHA-256-NONE", "secret-token:fast-x", [], "alice", UserAgentElement(), new XElement(Fast + "fast")), default);
        Assert.Equal("invalid-mechanism", Failure(outcome));
    }

    private static string Failure(Sasl2Outcome outcome) => Assert.IsType<Sasl2Outcome.Failure>(outcome).Condition;
}
