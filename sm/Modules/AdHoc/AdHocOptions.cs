namespace Xmpp.Sm.Modules.AdHoc;

/// <summary>XEP-0050 settings, section "Sm:AdHoc". Who may run the admin commands is <c>Sm:Admins</c>.</summary>
public sealed class AdHocOptions
{
    /// <summary>Command sessions open at once (all users); a new one beyond: &lt;resource-constraint/&gt;.</summary>
    public int MaxSessions { get; set; } = 100;

    /// <summary>Command sessions one user (bare JID) may have open at once.</summary>
    public int MaxSessionsPerUser { get; set; } = 5;

    /// <summary>A command session idle this long is over (its next request: &lt;session-expired/&gt;).</summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromMinutes(10);
}
