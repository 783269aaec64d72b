namespace Xmpp.Sm;

/// <summary>The session manager's settings, bound from the "Sm" configuration section.</summary>
public sealed class SmOptions
{
    public const string Section = "Sm";

    /// <summary>The XMPP domain this sm serves; it binds the router address sm/&lt;Domain&gt;.</summary>
    public string Domain { get; set; } = "localhost";

    /// <summary>Folder of the SQLite database file sm.db (relative paths are relative to the working directory).</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Offline messages kept per user; beyond it senders get &lt;service-unavailable/&gt;.</summary>
    public int OfflineLimit { get; set; } = 1000;

    /// <summary>
    /// Most bytes of offline messages delivered at once, when a resource becomes available (at
    /// least one message); the rest waits for its next available presence. Keep it below c2s's
    /// C2s:MaxOutboundBytes, or a large backlog cuts the client off at every login.
    /// </summary>
    public long OfflineFlushBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>Roster items per user; a roster set beyond it gets &lt;not-allowed/&gt;.</summary>
    public int RosterLimit { get; set; } = 1000;

    /// <summary>On shutdown, tell every session's c2s ENDED reason "system-shutdown".</summary>
    public bool EndSessionsOnShutdown { get; set; } = true;

    /// <summary>The router address this sm binds.</summary>
    public string Address => "sm/" + Domain;
}
