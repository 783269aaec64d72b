using System.Text;
using Google.Protobuf;
using Xmpp.Common;
using Xmpp.Common.Sasl;
using Xmpp.Protos;
using Step = Xmpp.Protos.SaslStep.Types.Step;

namespace Xmpp.C2s.Sasl;

/// <summary>
/// XEP-0484 FAST in SASL2 for one stream: the HT-SHA-256-* mechanisms this connection can offer
/// (those whose channel binding c2s computed from its own side of the TLS connection, and -NONE),
/// and the one-round-trip HT login. Pure protocol, like <see cref="SaslNegotiator"/>: c2s parses
/// <c>authcid NUL HMAC</c> and adds its channel binding data; sm, which holds the tokens, checks
/// the HMAC (HT_CHECK) and answers the Responder HMAC (the success's additional-data) and,
/// sometimes, a new token. c2s keeps no token: one sm issues goes into the success and is gone.
/// </summary>
public sealed class FastExchange(string domain, ISaslBackend backend, ScramChannelBinding binding)
{
    private FastIssuedToken? _issued;

    /// <summary>The HT mechanisms offered in &lt;fast/&gt;, strongest first.</summary>
    public IReadOnlyList<HtMechanism> Mechanisms { get; } = HtMechanism.Offered(binding);

    public bool Offers(string mechanism) => Mechanisms.Any(m => m.Name == mechanism);

    /// <summary>The token sm issued on the last login, once; null when none.</summary>
    public FastIssuedToken? TakeIssued()
    {
        var issued = _issued;
        _issued = null;
        return issued;
    }

    /// <summary>
    /// What goes to sm with a password login's proof: the client's &lt;request-token/&gt; and its
    /// user-agent id (sm issues no token without one: XEP-0484 §4.1; it logs and counts that).
    /// </summary>
    public static FastRequest? RequestFor(Sasl2Request request, FastInline inline) =>
        inline.RequestToken is null ? null : new FastRequest { UserAgentId = request.UserAgentId ?? "", RequestToken = inline.RequestToken };

    /// <summary>
    /// The HT login: &lt;fast/&gt; and a user-agent id are required (XEP-0484 §4.1, §4.4), the
    /// initial response is <c>authcid NUL HMAC(token, "Initiator" || cb-data)</c>; success carries
    /// the Responder HMAC as additional data.
    /// </summary>
    public async Task<SaslOutcome> AuthenticateAsync(Sasl2Request request, FastInline inline, CancellationToken ct)
    {
        _issued = null;
        var mechanism = Mechanisms.First(m => m.Name == request.Mechanism);
        if (!inline.UsesToken) return Fail("malformed-request", $"{mechanism.Name} needs <fast xmlns='{FastXml.Namespace}'/>");
        if (request.UserAgentId is not { } agent) return Fail("malformed-request", "FAST needs a <user-agent/> with an id");
        if (!TryDecode(request.InitialResponse, out var message)) return Fail("incorrect-encoding", "the initial response is not base64");
        if (!HtToken.TryParseInitialResponse(message, out var authcid, out var hash)) return Fail("malformed-request", "an HT initial response is authcid NUL HMAC");
        // A name that is no JID cannot be an account; saying so reveals nothing.
        if (ToBareJid(authcid) is not { } bare) return new SaslOutcome.Failure("not-authorized", CountsAsAttempt: true);
        var channelBinding = mechanism.ChannelBindingType is { } type ? binding.DataOf(type)! : [];

        var step = new SaslStep
        {
            Step = Step.HtCheck,
            Mechanism = mechanism.Name,
            HtHash = ByteString.CopyFrom(hash),
            ChannelBinding = ByteString.CopyFrom(channelBinding),
            Fast = new FastRequest { UserAgentId = agent, Invalidate = inline.Invalidate, Count = inline.Count, RequestToken = inline.RequestToken ?? "" },
        };
        var answer = await backend.CheckAsync(bare, step, ct);
        switch (answer.Verdict)
        {
            case SaslVerdict.Ok when answer.Result is { HtResponder.Length: HtToken.HashSize } result:
                _issued = FastIssuedToken.From(result);
                return new SaslOutcome.Success(Convert.ToBase64String(result.HtResponder.Span), Jid.Parse(bare).Local!);
            case SaslVerdict.Failed:
                return new SaslOutcome.Failure("not-authorized", CountsAsAttempt: true);
            case SaslVerdict.Expired:
                // XEP-0484 §4.2: a token the server no longer trusts fails credentials-expired; the client falls back to its password.
                return new SaslOutcome.Failure("credentials-expired", CountsAsAttempt: true);
            default:
                return Fail("temporary-auth-failure", null); // locked, or sm unavailable: try again later
        }
    }

    private string? ToBareJid(string username) =>
        username.Contains('@') || !Jid.TryParse(username + "@" + domain, out var jid) || jid.IsFull ? null : jid.ToString();

    private static SaslOutcome Fail(string condition, string? text) => new SaslOutcome.Failure(condition, CountsAsAttempt: false, text);

    private static bool TryDecode(string? text, out byte[] data)
    {
        data = [];
        if (text is null) return false;
        text = text.Trim();
        var buffer = new byte[text.Length];
        if (!Convert.TryFromBase64String(text, buffer, out var written)) return false;
        data = buffer[..written];
        return true;
    }
}
