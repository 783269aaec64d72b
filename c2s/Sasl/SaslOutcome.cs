namespace Xmpp.C2s.Sasl;

/// <summary>What the negotiator answers to one SASL element.</summary>
public abstract record SaslOutcome
{
    /// <summary>&lt;challenge&gt; with base64 data.</summary>
    public sealed record Challenge(string Data) : SaslOutcome;

    /// <summary>
    /// &lt;success&gt; (with base64 additional data, or none) for the authenticated local part;
    /// <paramref name="Upgrade"/>: the XEP-0480 SCRAM upgrade tasks sm would take (SASL2 only).
    /// </summary>
    public sealed record Success(string? Data, string LocalPart, ScramUpgradeOffer? Upgrade = null) : SaslOutcome;

    /// <summary>&lt;failure&gt; with an RFC 6120 §6.5 condition; <paramref name="CountsAsAttempt"/> when a credential was wrong; <paramref name="Text"/> for the client, if any.</summary>
    public sealed record Failure(string Condition, bool CountsAsAttempt, string? Text = null) : SaslOutcome;
}
