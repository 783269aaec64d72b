namespace Xmpp.C2s.Sasl;

/// <summary>What the SASL2 negotiator answers to one element of urn:xmpp:sasl:2.</summary>
public abstract record Sasl2Outcome
{
    /// <summary>An element to send (&lt;challenge/&gt;, &lt;continue/&gt;, &lt;task-data/&gt;); the exchange goes on.</summary>
    public sealed record Send(string Xml) : Sasl2Outcome;

    /// <summary>
    /// The client is authenticated as <paramref name="LocalPart"/> (all tasks done). The connection
    /// binds (XEP-0386) if <paramref name="Request"/> asks, then sends &lt;success/&gt; with
    /// <paramref name="AdditionalData"/> (base64; null: none) and the authorization identifier.
    /// </summary>
    public sealed record Authenticated(string LocalPart, string? AdditionalData, Sasl2Request Request) : Sasl2Outcome
    {
        /// <summary>A XEP-0484 token sm issued on this login: into &lt;success/&gt;, then forgotten.</summary>
        public FastIssuedToken? Token { get; init; }
    }

    /// <summary>
    /// &lt;failure/&gt; with an RFC 6120 §6.5 condition (and text); the stream stays, the client may
    /// try again. <paramref name="CountsAsAttempt"/> as for legacy SASL.
    /// </summary>
    public sealed record Failure(string Condition, bool CountsAsAttempt, string? Text = null) : Sasl2Outcome;

    /// <summary>An element the profile does not allow at this point: XEP-0388 says the server disconnects.</summary>
    public sealed record Violation(string Text) : Sasl2Outcome;
}
