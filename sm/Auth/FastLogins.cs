using Google.Protobuf;
using Xmpp.Common;
using Xmpp.Common.Sasl;
using Xmpp.Protos;
using Xmpp.Sm.Modules.Fast;

namespace Xmpp.Sm.Auth;

/// <summary>
/// The AUTH action's XEP-0484 part: maps the wire (SaslStep.fast, HT_CHECK) onto the FAST module's
/// token store (<see cref="FastTokens"/>) and its answers onto SaslResult (ht_responder, fast_token).
/// </summary>
public sealed class FastLogins(FastTokens tokens)
{
    /// <summary>The answer to HT_CHECK: a result, or a failure reason; null when the step is malformed (bad-request).</summary>
    public (SaslResult? Result, string? Failure)? Check(Jid user, SaslStep step)
    {
        if (HtMechanism.ByName(step.Mechanism) is not { } mechanism || step.HtHash.Length != HtToken.HashSize) return null;
        if (mechanism.ChannelBindingType is not null && step.ChannelBinding.IsEmpty) return null;
        var ask = Ask(step.Fast);
        var check = tokens.Check(user, mechanism, step.HtHash.ToByteArray(), step.ChannelBinding.ToByteArray(), ask);
        switch (check.Verdict)
        {
            case FastVerdict.Ok:
                var result = new SaslResult { HtResponder = ByteString.CopyFrom(check.Responder) };
                if (check.Token is { } issued) Put(issued, result);
                return (result, null);
            case FastVerdict.Expired:
                return (null, AuthActions.Reasons.CredentialsExpired);
            default:
                return (null, AuthActions.Reasons.NotAuthorized);
        }
    }

    /// <summary>After a password proof held (SCRAM_PROOF, or PLAIN proven as one): the token the client asked for, if it did.</summary>
    public void IssueRequested(Jid user, FastRequest? request, SaslResult result)
    {
        if (request is null || request.RequestToken.Length == 0) return;
        if (tokens.Issue(user, request.UserAgentId, request.RequestToken, "requested") is { } issued) Put(issued, result);
    }

    private static FastAsk Ask(FastRequest? request) => request is null
        ? new FastAsk("")
        : new FastAsk(request.UserAgentId, request.RequestToken.Length == 0 ? null : request.RequestToken, request.Invalidate, request.Count);

    private static void Put(IssuedFastToken issued, SaslResult result)
    {
        result.FastToken = issued.Token;
        result.FastTokenExpiry = issued.Expiry.ToUnixTimeSeconds();
    }
}
