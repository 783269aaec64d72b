using System.Text;
using System.Xml.Linq;
using Google.Protobuf;
using Xmpp.Common;
using Xmpp.Common.Sasl;
using Xmpp.Protos;
using Step = Xmpp.Protos.SaslStep.Types.Step;

namespace Xmpp.C2s.Sasl;

/// <summary>
/// The server side of SASL (RFC 6120 §6) for one stream: SCRAM-SHA-256-PLUS and SCRAM-SHA-1-PLUS
/// when the TLS connection has channel bindings c2s can check, SCRAM-SHA-256, SCRAM-SHA-1, and
/// PLAIN when the stream is encrypted. Pure protocol: elements in, outcomes out. c2s runs the message
/// exchange (nonces, channel binding, encoding) but holds no secret: the salt and iteration count
/// and the verdict on the proof with the ServerSignature come from an <see cref="ISaslBackend"/>
/// (sm), which answers unknown accounts like known ones. A PLAIN password is turned into such a
/// proof here, so it never leaves c2s.
/// Channel binding (RFC 5802 §6): c2s checks the client's gs2 header and its c= against the data
/// it computed from its own side of the TLS connection (<paramref name="channelBinding"/>) before
/// sm checks the proof, whose AuthMessage covers that c=; sm keys the -PLUS mechanisms with the
/// same credentials as their plain ones.
/// </summary>
public sealed class SaslNegotiator(string domain, bool secure, ISaslBackend backend, ScramChannelBinding? channelBinding = null)
{
    public const string Plain = "PLAIN";
    public const string PlusSuffix = "-PLUS";
    private readonly ScramChannelBinding _binding = channelBinding ?? ScramChannelBinding.None;
    private ScramServer? _scram;
    private string? _scramUser;

    /// <summary>The mechanisms offered, strongest first: -PLUS ones only when <paramref name="binding"/> supports a channel binding type.</summary>
    public static IReadOnlyList<string> Mechanisms(bool secure, ScramChannelBinding? binding = null)
    {
        List<string> mechanisms = [];
        if (binding is { Offered: true }) mechanisms.AddRange(["SCRAM-SHA-256" + PlusSuffix, "SCRAM-SHA-1" + PlusSuffix]);
        mechanisms.AddRange(["SCRAM-SHA-256", "SCRAM-SHA-1"]);
        if (secure) mechanisms.Add(Plain);
        return mechanisms;
    }

    public bool InProgress => _scram is not null;

    /// <summary>
    /// SASL2 only: the client's XEP-0484 token request, sent to sm with the proof (SCRAM_PROOF,
    /// SCRAM_UPGRADE), which issues the token only when the proof holds (<see cref="TakeIssuedToken"/>).
    /// </summary>
    public FastRequest? Fast { get; set; }

    private FastIssuedToken? _issued;

    /// <summary>The FAST token sm issued with the last proof, once (c2s keeps none); null when none.</summary>
    public FastIssuedToken? TakeIssuedToken()
    {
        var issued = _issued;
        _issued = null;
        return issued;
    }

    /// <summary>The SCRAM mechanisms a SASL2 client asked to upgrade (XEP-0480), named with the proof; none for legacy SASL.</summary>
    private IReadOnlyCollection<string> _upgrade = [];

    /// <summary>RFC 6120 SASL: one element of the legacy profile (&lt;auth/&gt;, &lt;response/&gt;, &lt;abort/&gt;).</summary>
    public async Task<SaslOutcome> HandleAsync(XElement element, CancellationToken ct)
    {
        if (element.Name.NamespaceName != Ns.Sasl) return Fail("malformed-request");
        switch (element.Name.LocalName)
        {
            case "auth":
                if (_scram is not null) return Fail("malformed-request");
                return await StartAsync((string?)element.Attribute("mechanism") ?? "", element.Value, ct);
            case "response":
                if (_scram is null) return Fail("malformed-request");
                return await RespondAsync(element.Value, ct);
            case "abort":
                return Abort();
            default:
                return Fail("malformed-request");
        }
    }

    /// <summary>
    /// Starts an exchange of <paramref name="mechanism"/> with the base64 initial response (null
    /// or empty: none; "=": an empty one), for either profile (RFC 6120 &lt;auth/&gt; or XEP-0388
    /// &lt;authenticate/&gt;). <paramref name="upgrade"/>: the SCRAM mechanisms a SASL2 client asked
    /// to upgrade (XEP-0480); sm says with the proof which need it (<see cref="SaslOutcome.Success.Upgrade"/>).
    /// </summary>
    public async Task<SaslOutcome> StartAsync(string mechanism, string? initialResponse, CancellationToken ct, IReadOnlyCollection<string>? upgrade = null)
    {
        if (_scram is not null) return Fail("malformed-request");
        _upgrade = upgrade ?? [];
        if (!Mechanisms(secure, _binding).Contains(mechanism))
            return mechanism == Plain ? Fail("encryption-required") : Fail("invalid-mechanism");
        if (!TryDecode(initialResponse ?? "", out var initial)) return Fail("incorrect-encoding");

        if (mechanism == Plain) return await PlainAsync(initial, ct);

        var plus = mechanism.EndsWith(PlusSuffix, StringComparison.Ordinal);
        var algorithm = ScramAlgorithm.ByMechanism(plus ? mechanism[..^PlusSuffix.Length] : mechanism)!;
        var scram = new ScramServer(algorithm);
        if (initial.Length == 0) return Fail("malformed-request");
        switch (scram.ReadClientFirst(Encoding.UTF8.GetString(initial), plus, _binding))
        {
            case ScramFirstResult.Ok:
                break;
            case ScramFirstResult.Downgrade:
                // 'y' while -PLUS was offered: the client saw a list without them (RFC 5802 §6).
                return new SaslOutcome.Failure("not-authorized", CountsAsAttempt: false, "channel binding downgrade: this server offers -PLUS mechanisms");
            case ScramFirstResult.UnsupportedChannelBinding:
                return new SaslOutcome.Failure("malformed-request", CountsAsAttempt: false,
                    "unsupported channel binding type; supported here: " + string.Join(", ", _binding.Types));
            case ScramFirstResult.ChannelBindingMismatch:
                return new SaslOutcome.Failure("malformed-request", CountsAsAttempt: false,
                    plus ? "a -PLUS mechanism needs channel binding (gs2 flag p=)" : "channel binding (p=) needs a -PLUS mechanism");
            default:
                return Fail("malformed-request");
        }
        // A name that is no JID cannot be an account; saying so reveals nothing.
        if (ToBareJid(scram.Username) is not { } bare) return WrongCredentials();

        var answer = await backend.CheckAsync(bare, new SaslStep { Step = Step.ScramStart, Mechanism = algorithm.Mechanism }, ct);
        if (answer.Verdict != SaslVerdict.Ok) return Refused(answer.Verdict);
        _scram = scram;
        _scramUser = bare;
        var serverFirst = scram.ServerFirst(answer.Result!.Salt.ToByteArray(), answer.Result.Iterations);
        return new SaslOutcome.Challenge(Convert.ToBase64String(Encoding.UTF8.GetBytes(serverFirst)));
    }

    /// <summary>The client's response (base64) to the last challenge, for either profile.</summary>
    public async Task<SaslOutcome> RespondAsync(string response, CancellationToken ct)
    {
        if (_scram is null || _scramUser is null) return Fail("malformed-request");
        var scram = _scram;
        var user = _scramUser;
        _scram = null;
        _scramUser = null;
        if (!TryDecode(response, out var data)) return Fail("incorrect-encoding");
        // c= that is not this connection's channel binding (another TLS connection's: a MITM) fails here, before sm is asked.
        if (scram.ReadClientFinal(Encoding.UTF8.GetString(data)) is not { } proof) return WrongCredentials();

        var answer = await CheckProofAsync(user, scram.Algorithm, proof, ct, upgrade: _upgrade);
        if (answer.Verdict != SaslVerdict.Ok) return Refused(answer.Verdict);
        var serverFinal = ScramServer.ServerFinal(answer.Result!.ServerSignature.ToByteArray());
        var offer = answer.Result.Upgrade.Count > 0 && answer.Result.UpgradeIterations is > 0 and <= MaxRehashIterations
            ? new ScramUpgradeOffer(user, scram.Algorithm.Mechanism, proof, [.. answer.Result.Upgrade.Where(_upgrade.Contains)], answer.Result.UpgradeIterations)
            : null;
        return new SaslOutcome.Success(Convert.ToBase64String(Encoding.UTF8.GetBytes(serverFinal)), Jid.Parse(user).Local!,
            offer is { Mechanisms.Count: > 0 } ? offer : null);
    }

    /// <summary>
    /// XEP-0480: has sm store the keys derived from the SaltedPasswords the client supplied for
    /// <paramref name="offer"/>'s mechanisms (sm re-checks the login's proof first); true when stored.
    /// </summary>
    public async Task<bool> StoreUpgradeAsync(ScramUpgradeOffer offer, IReadOnlyList<ScramCredentialData> keys, CancellationToken ct)
    {
        var answer = await backend.CheckAsync(offer.User, new SaslStep
        {
            Step = Step.ScramUpgrade,
            Mechanism = offer.ProofMechanism,
            AuthMessage = offer.Proof.AuthMessage,
            ClientProof = ByteString.CopyFrom(offer.Proof.ClientProof),
            Rehash = WireCredentials.ToWire(keys),
            Fast = Fast,
        }, ct);
        _issued = answer.Verdict == SaslVerdict.Ok ? FastIssuedToken.From(answer.Result) : null;
        return answer.Verdict == SaslVerdict.Ok && answer.Result?.Upgraded == true;
    }

    /// <summary>
    /// PLAIN: the password stays in c2s. c2s proves it to sm the way a SCRAM-SHA-256 client would
    /// (sm's salt and iteration count, PBKDF2 here, the ClientProof over a fresh exchange), so only
    /// the proof crosses the router, sm checks it like any SCRAM proof, and an unknown account
    /// (a fake salt from sm) costs c2s the same PBKDF2 work as a known one.
    /// </summary>
    private async Task<SaslOutcome> PlainAsync(byte[] initial, CancellationToken ct)
    {
        var message = PlainVerifier.Parse(initial);
        if (message is null) return Fail("malformed-request");
        var bare = ToBareJid(message.AuthcId);
        if (bare is null) return WrongCredentials();
        if (message.AuthzId.Length > 0 && message.AuthzId != bare && message.AuthzId != message.AuthcId)
            return Fail("invalid-authzid");

        var algorithm = ScramAlgorithm.Sha256;
        var client = new ScramClient(algorithm, Jid.Parse(bare).Local!, message.Password);
        var exchange = new ScramServer(algorithm);
        if (!exchange.ReadClientFirst(client.ClientFirst())) return WrongCredentials();
        var start = await backend.CheckAsync(bare, new SaslStep { Step = Step.ScramStart, Mechanism = algorithm.Mechanism, CanRehash = true }, ct);
        if (start.Verdict != SaslVerdict.Ok) return Refused(start.Verdict);
        var clientFinal = client.ClientFinal(exchange.ServerFirst(start.Result!.Salt.ToByteArray(), start.Result.Iterations));
        if (exchange.ReadClientFinal(clientFinal) is not { } proof) return WrongCredentials();
        var answer = await CheckProofAsync(bare, algorithm, proof, ct, Rehash(message.Password, start.Result.RehashIterations));
        if (answer.Verdict != SaslVerdict.Ok) return Refused(answer.Verdict);
        return new SaslOutcome.Success(null, Jid.Parse(bare).Local!);
    }

    /// <summary>
    /// The account's keys at the iteration count sm asked for (SaslResult.rehash_iterations: the
    /// stored count differs from Sm:ScramIterations), derived from the PLAIN password with fresh
    /// random salts; null when sm asked for none, or for a count outside what sm accepts. They go
    /// with the proof, and sm keeps them only if the proof holds. Made before the verdict is known,
    /// so a wrong password costs the same; an unknown account is never asked (its fake salt has
    /// the configured count).
    /// </summary>
    private static Credentials? Rehash(string password, int iterations) =>
        iterations is > 0 and <= MaxRehashIterations ? WireCredentials.Derive(password, iterations) : null;

    /// <summary>The highest count c2s derives keys with for sm (sm's own limit on stored counts).</summary>
    public const int MaxRehashIterations = 10_000_000;

    /// <summary>Has sm check a SCRAM proof (SCRAM_PROOF): the ServerSignature when it holds. <paramref name="rehash"/>: re-derived keys for sm to store if it does.</summary>
    private async Task<SaslAnswer> CheckProofAsync(string user, ScramAlgorithm algorithm, ScramProof proof, CancellationToken ct, Credentials? rehash = null, IReadOnlyCollection<string>? upgrade = null)
    {
        var step = new SaslStep
        {
            Step = Step.ScramProof,
            Mechanism = algorithm.Mechanism,
            AuthMessage = proof.AuthMessage,
            ClientProof = ByteString.CopyFrom(proof.ClientProof),
            Rehash = rehash,
        };
        if (upgrade is not null) step.Upgrade.AddRange(upgrade);
        if (Fast is not null) step.Fast = Fast;
        var answer = await backend.CheckAsync(user, step, ct);
        _issued = answer.Verdict == SaslVerdict.Ok ? FastIssuedToken.From(answer.Result) : null;
        return answer;
    }

    /// <summary>
    /// &lt;abort/&gt; (RFC 6120 §6.4.4) ends the exchange with &lt;aborted/&gt; and counts as a failed
    /// attempt; sm is told, so it counts against the account too (not awaited: nothing depends on it).
    /// </summary>
    public SaslOutcome Abort()
    {
        if (_scram is not null && _scramUser is not null)
            _ = backend.CheckAsync(_scramUser, new SaslStep { Step = Step.Abort, Mechanism = _scram.Algorithm.Mechanism }, CancellationToken.None);
        _scram = null;
        _scramUser = null;
        return new SaslOutcome.Failure("aborted", CountsAsAttempt: true);
    }

    private static SaslOutcome Refused(SaslVerdict verdict) => verdict switch
    {
        SaslVerdict.Failed => WrongCredentials(),
        _ => Fail("temporary-auth-failure"), // locked account or sm unavailable: try again later
    };

    private static SaslOutcome WrongCredentials() => new SaslOutcome.Failure("not-authorized", CountsAsAttempt: true);

    private string? ToBareJid(string username) =>
        username.Contains('@') || !Jid.TryParse(username + "@" + domain, out var jid) || jid.IsFull ? null : jid.ToString();

    private static SaslOutcome Fail(string condition) => new SaslOutcome.Failure(condition, CountsAsAttempt: false);

    private static bool TryDecode(string text, out byte[] data)
    {
        text = text.Trim();
        if (text == "=") { data = []; return true; }
        data = new byte[text.Length];
        if (Convert.TryFromBase64String(text, data, out var written))
        {
            data = data[..written];
            return true;
        }
        data = [];
        return false;
    }
}
