using Xmpp.Protos;

namespace Xmpp.C2s.Sasl;

/// <summary>
/// A XEP-0484 token sm issued on this login: passed straight into SASL2's &lt;success/&gt; and
/// forgotten. c2s keeps no token; <see cref="ToString"/> leaves the secret out so a log line can never carry it.
/// </summary>
public sealed record FastIssuedToken(string Token, DateTimeOffset Expiry)
{
    /// <summary>The token in sm's answer (SaslResult.fast_token), if sm issued one.</summary>
    public static FastIssuedToken? From(SaslResult? result) =>
        result is { FastToken.Length: > 0 } ? new FastIssuedToken(result.FastToken, DateTimeOffset.FromUnixTimeSeconds(result.FastTokenExpiry)) : null;

    public override string ToString() => $"FastIssuedToken {{ Expiry = {Expiry:O} }}";
}
