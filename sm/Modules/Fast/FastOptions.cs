namespace Xmpp.Sm.Modules.Fast;

/// <summary>XEP-0484 FAST token settings, section "Sm:Fast".</summary>
public sealed class FastOptions
{
    /// <summary>How long an issued token stays valid (Prosody's default is of the same order: weeks).</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>
    /// A token used this long after it was issued is due for rotation: the login's success carries a
    /// new token even if the client did not ask (XEP-0484 §3.5; Prosody rotates daily). The used one
    /// stays valid until the new one is used once. Zero: rotate only when the client asks.
    /// </summary>
    public TimeSpan RotateAfter { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Tokens one account may hold (each client keeps at most two: the current one and a new one not
    /// yet used); issuing one more removes the account's oldest (logged, counted). At least 2.
    /// </summary>
    public int MaxTokensPerAccount { get; set; } = 20;
}
