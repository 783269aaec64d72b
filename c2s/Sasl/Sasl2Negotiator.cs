using System.Security.Cryptography;
using System.Xml.Linq;
using Xmpp.Common.Sasl;

namespace Xmpp.C2s.Sasl;

/// <summary>
/// The server side of XEP-0388 SASL2 for one stream, with XEP-0480 SCRAM upgrade tasks. Pure
/// protocol: elements in, outcomes out. The mechanisms' exchanges are <see cref="SaslNegotiator"/>'s,
/// the same code legacy SASL runs (SCRAM with sm checking the proof, -PLUS with channel binding,
/// PLAIN), so failures, aborts and sm's lockouts behave alike. Binding (XEP-0386) is left to the
/// connection, which has the session to start: <see cref="Sasl2Outcome.Authenticated"/> carries the
/// request.
/// States: idle → (authenticate) exchanging → (proof held) [upgrade: continue → next → task-data →
/// task-data]* → authenticated. A failure or an abort returns to idle; the client may try again.
/// Extension points: another mechanism family (XEP-0484 HT-*) plugs into <see cref="StartMechanismAsync"/>;
/// other inline elements of &lt;authenticate/&gt; are in <see cref="Sasl2Request.Others"/>.
/// </summary>
/// XEP-0484 FAST (<paramref name="fast"/>, when offered): the HT-* mechanisms listed in &lt;fast/&gt;
/// run through <see cref="FastExchange"/>; a &lt;request-token/&gt; goes to sm with the proof; a token
/// sm issued leaves in <see cref="Sasl2Outcome.Authenticated.Token"/>.
public sealed class Sasl2Negotiator(SaslNegotiator exchange, IReadOnlyList<string> mechanisms, FastExchange? fast = null)
{
    private enum State { Idle, Exchanging, AwaitingNext, AwaitingHash }

    /// <summary>The XEP-0480 tasks offered: one per stored SCRAM mechanism (every account stores SCRAM-SHA-256 and SCRAM-SHA-1).</summary>
    public static IReadOnlyList<string> UpgradeTasks { get; } = [.. ScramAlgorithm.All.Select(a => ScramUpgradeOffer.TaskOf(a.Mechanism))];

    /// <summary>Bytes of the fresh salt of an upgrade task (what c2s and xmppctl draw for new keys).</summary>
    public const int UpgradeSaltBytes = 16;

    private State _state;
    private Sasl2Request? _request;
    private FastInline _fastInline = FastInline.None;
    private string? _localPart;
    private string? _additionalData;
    private ScramUpgradeOffer? _offer;
    private Queue<string> _pendingTasks = new();
    private string? _task;
    private byte[] _salt = [];
    private readonly List<ScramCredentialData> _upgraded = [];

    /// <summary>Whether an authentication is under way (XEP-0388: nothing else may be sent meanwhile).</summary>
    public bool InProgress => _state != State.Idle;

    public async Task<Sasl2Outcome> HandleAsync(XElement element, CancellationToken ct)
    {
        if (element.Name.NamespaceName != Sasl2Namespaces.Sasl2) return new Sasl2Outcome.Violation("only SASL2 elements during authentication");
        switch (element.Name.LocalName, _state)
        {
            case ("authenticate", State.Idle):
                return await AuthenticateAsync(Sasl2Request.Parse(element), ct);
            case ("response", State.Exchanging):
                return AfterExchange(await exchange.RespondAsync(element.Value, ct));
            case ("abort", _):
                return Abort();
            case ("next", State.AwaitingNext):
                return Next((string?)element.Attribute("task"));
            case ("task-data", State.AwaitingHash):
                return await TaskDataAsync(element, ct);
            default:
                return new Sasl2Outcome.Violation($"unexpected <{element.Name.LocalName}/> at this point of SASL2 authentication");
        }
    }

    private async Task<Sasl2Outcome> AuthenticateAsync(Sasl2Request request, CancellationToken ct)
    {
        // XEP-0388 §"Initiation": a mechanism or upgrade the server did not announce fails the authentication.
        if (!mechanisms.Contains(request.Mechanism) && fast?.Offers(request.Mechanism) != true) return Reset(new Sasl2Outcome.Failure("invalid-mechanism", false, "mechanism not offered: " + request.Mechanism));
        if (request.UpgradeTasks.FirstOrDefault(t => !UpgradeTasks.Contains(t)) is { } unknown)
            return Reset(new Sasl2Outcome.Failure("invalid-mechanism", false, "upgrade task not offered: " + unknown));
        if (fast is not null)
        {
            if (FastInline.Parse(request.Others, out var malformed) is not { } inline) return Reset(new Sasl2Outcome.Failure("malformed-request", false, malformed));
            if (inline.RequestToken is { } asked && !fast.Offers(asked)) return Reset(new Sasl2Outcome.Failure("invalid-mechanism", false, "FAST mechanism not offered: " + asked));
            _fastInline = inline;
            exchange.Fast = FastExchange.RequestFor(request, inline);
        }
        _request = request;
        _state = State.Exchanging;
        return AfterExchange(await StartMechanismAsync(request, ct));
    }

    /// <summary>Starts the exchange of the chosen mechanism; another mechanism family (HT-*) is dispatched here.</summary>
    private Task<SaslOutcome> StartMechanismAsync(Sasl2Request request, CancellationToken ct) =>
        fast?.Offers(request.Mechanism) == true ? fast.AuthenticateAsync(request, _fastInline, ct) :
        exchange.StartAsync(request.Mechanism, request.InitialResponse, ct,
            [.. request.UpgradeTasks.Distinct().Select(t => t[ScramUpgradeOffer.TaskPrefix.Length..])]);

    private Sasl2Outcome AfterExchange(SaslOutcome outcome)
    {
        switch (outcome)
        {
            case SaslOutcome.Challenge challenge:
                return new Sasl2Outcome.Send(Sasl2Xml.Challenge(challenge.Data));
            case SaslOutcome.Failure failure:
                return Reset(new Sasl2Outcome.Failure(failure.Condition, failure.CountsAsAttempt, failure.Text));
            case SaslOutcome.Success success:
                _localPart = success.LocalPart;
                _additionalData = success.Data;
                if (success.Upgrade is not { } offer) return Authenticated();
                _offer = offer;
                // In the order the client asked for them.
                _pendingTasks = new(_request!.UpgradeTasks.Distinct().Where(t => offer.Mechanisms.Contains(t[ScramUpgradeOffer.TaskPrefix.Length..])));
                return _pendingTasks.Count == 0 ? Authenticated() : Continue();
            default:
                return Reset(new Sasl2Outcome.Failure("temporary-auth-failure", false));
        }
    }

    /// <summary>&lt;continue/&gt; with the next upgrade task; the mechanism's additional data (SCRAM's server-final) goes with the first.</summary>
    private Sasl2Outcome Continue()
    {
        _task = _pendingTasks.Dequeue();
        _state = State.AwaitingNext;
        var data = _additionalData;
        _additionalData = null;
        return new Sasl2Outcome.Send(Sasl2Xml.Continue(data, _task));
    }

    private Sasl2Outcome Next(string? task)
    {
        if (task != _task) return Reset(new Sasl2Outcome.Failure("invalid-mechanism", false, "not the task offered: " + task));
        _salt = RandomNumberGenerator.GetBytes(UpgradeSaltBytes);
        _state = State.AwaitingHash;
        return new Sasl2Outcome.Send(Sasl2Xml.ScramUpgradeSalt(_salt, _offer!.Iterations));
    }

    /// <summary>
    /// The client's SaltedPassword for the task's mechanism (XEP-0480 &lt;hash/&gt;): c2s derives
    /// StoredKey and ServerKey from it; after the last task sm stores them all at once.
    /// </summary>
    private async Task<Sasl2Outcome> TaskDataAsync(XElement taskData, CancellationToken ct)
    {
        var algorithm = ScramAlgorithm.ByMechanism(_task![ScramUpgradeOffer.TaskPrefix.Length..])!;
        var hash = taskData.Element(XName.Get("hash", Sasl2Namespaces.ScramUpgrade))?.Value.Trim();
        byte[] salted;
        try
        {
            salted = hash is null ? [] : Convert.FromBase64String(hash);
        }
        catch (FormatException)
        {
            return Reset(new Sasl2Outcome.Failure("incorrect-encoding", false, "the hash is not base64"));
        }
        if (salted.Length != algorithm.HashSize)
            return Reset(new Sasl2Outcome.Failure("malformed-request", false, $"a {algorithm.Mechanism} SaltedPassword has {algorithm.HashSize} bytes"));
        _upgraded.Add(algorithm.FromSaltedPassword(salted, _salt, _offer!.Iterations));
        if (_pendingTasks.Count > 0) return Continue();

        Stored = await exchange.StoreUpgradeAsync(_offer, _upgraded, ct);
        return Authenticated();
    }

    /// <summary>Whether sm stored the keys of the last upgrade (for logs and tests); the login stands either way.</summary>
    public bool? Stored { get; private set; }

    /// <summary>The mechanisms whose keys the last upgrade derived.</summary>
    public IReadOnlyList<string> UpgradedMechanisms => [.. _upgraded.Select(c => c.Mechanism)];

    private Sasl2Outcome Authenticated()
    {
        var outcome = new Sasl2Outcome.Authenticated(_localPart!, _additionalData, _request!) { Token = fast?.TakeIssued() ?? exchange.TakeIssuedToken() };
        _state = State.Idle;
        return outcome;
    }

    /// <summary>&lt;abort/&gt;: &lt;failure&gt;&lt;aborted/&gt;, counted as a failed attempt as in legacy SASL (sm is told during SCRAM).</summary>
    private Sasl2Outcome Abort()
    {
        var aborted = exchange.Abort();
        var counts = aborted is SaslOutcome.Failure { CountsAsAttempt: true };
        return Reset(new Sasl2Outcome.Failure("aborted", counts));
    }

    private Sasl2Outcome Reset(Sasl2Outcome outcome)
    {
        if (exchange.InProgress) exchange.Abort();
        _state = State.Idle;
        _request = null;
        _localPart = null;
        _additionalData = null;
        _offer = null;
        _pendingTasks.Clear();
        _task = null;
        _upgraded.Clear();
        _fastInline = FastInline.None;
        exchange.Fast = null;
        exchange.TakeIssuedToken(); // none survives a failure
        fast?.TakeIssued();
        return outcome;
    }
}
