namespace Xmpp.Sm.Modules.LastActivity;

/// <summary>When an account was last seen going offline, and the status it left with.</summary>
public sealed record LastLogout(DateTimeOffset At, string? Status);

/// <summary>What a last activity query to an account's bare JID gets.</summary>
public abstract record LastActivityAnswer
{
    /// <summary>&lt;query seconds='..'&gt;status&lt;/query&gt;</summary>
    public sealed record Seconds(long Value, string? Status) : LastActivityAnswer;

    /// <summary>Not authorized to see the account's presence (XEP-0012 §3): &lt;forbidden/&gt;.</summary>
    public sealed record Forbidden : LastActivityAnswer;

    /// <summary>An offline account with no logout recorded (it never logged out since this was kept): &lt;item-not-found/&gt;.</summary>
    public sealed record Unknown : LastActivityAnswer;
}

/// <summary>
/// XEP-0012 §3 (offline user query), pure: only the account itself and requesters it shares its
/// presence with (subscription 'from' or 'both') learn anything, anyone else (and any JID that is
/// no account) gets &lt;forbidden/&gt;; with an available resource the account is active now
/// (seconds='0'); else the seconds since its last logout, with the status of its last unavailable presence.
/// </summary>
public static class LastActivityRules
{
    public static LastActivityAnswer ForAccount(bool authorized, bool available, LastLogout? last, DateTimeOffset now)
    {
        if (!authorized) return new LastActivityAnswer.Forbidden();
        if (available) return new LastActivityAnswer.Seconds(0, null);
        if (last is null) return new LastActivityAnswer.Unknown();
        return new LastActivityAnswer.Seconds(Math.Max(0, (long)(now - last.At).TotalSeconds), string.IsNullOrEmpty(last.Status) ? null : last.Status);
    }

    /// <summary>The server's uptime in whole seconds (XEP-0012 §5).</summary>
    public static long Uptime(DateTimeOffset started, DateTimeOffset now) => Math.Max(0, (long)(now - started).TotalSeconds);
}
