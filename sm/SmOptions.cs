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

    /// <summary>Offline storage limits beyond the message count (section "Sm:Offline").</summary>
    public OfflineOptions Offline { get; set; } = new();

    /// <summary>
    /// Most frames handled in one storage transaction (group commit): the frames already waiting
    /// are handled, committed with one fsync, and only then is their output sent. 1: a commit per frame.
    /// </summary>
    public int GroupCommitFrames { get; set; } = 256;

    /// <summary>Roster items per user; a roster set beyond it gets &lt;not-allowed/&gt;.</summary>
    public int RosterLimit { get; set; } = 1000;

    /// <summary>On shutdown, tell every session's c2s ENDED reason "system-shutdown".</summary>
    public bool EndSessionsOnShutdown { get; set; } = true;

    /// <summary>The router address this sm binds.</summary>
    public string Address => "sm/" + Domain;
}

/// <summary>Offline storage settings, bound from "Sm:Offline".</summary>
public sealed class OfflineOptions
{
    /// <summary>Stanza bytes kept in offline storage per account; a message that would go beyond it is refused with &lt;service-unavailable/&gt;.</summary>
    public long MaxBytesPerAccount { get; set; } = 1024 * 1024;
}
