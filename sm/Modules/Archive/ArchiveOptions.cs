namespace Xmpp.Sm.Modules.Archive;

/// <summary>XEP-0313 settings, bound from "Sm:Archive".</summary>
public sealed class ArchiveOptions
{
    /// <summary>
    /// Archive at all; false (the default): no archiving, no stanza-ids added, the MAM features are
    /// not announced. Off by default, as in Prosody: keeping every message is the operator's choice
    /// (privacy, disk), and with synchronous=FULL each archived message costs several B-tree pages
    /// per commit: measured on this project's machine, flat-out messages fell from ~22,600 to
    /// ~1,800 msg/s with it on (docs/BENCHMARKS.md).
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>The default of an account that never set preferences: "always", "roster" or "never" (XEP-0313 §6.1).</summary>
    public string Default { get; set; } = ArchivePrefs.Always;

    /// <summary>Results per query page; a larger &lt;max/&gt; is cut to it, no &lt;max/&gt; means this many.</summary>
    public int MaxPageSize { get; set; } = 50;

    /// <summary>Stanza bytes of one query page (at least one message): keep it well below c2s's C2s:MaxOutboundBytes; a page beyond it is cut short (not complete).</summary>
    public long MaxPageBytes { get; set; } = 1024 * 1024;

    /// <summary>Messages kept per account; beyond it the oldest are removed (logged and counted).</summary>
    public int MaxMessagesPerAccount { get; set; } = 100_000;

    /// <summary>Days a message is kept; 0 keeps messages until the account's quota pushes them out. Older ones are never returned and are removed at start and at each login of their owner.</summary>
    public int RetentionDays { get; set; } = 365;

    /// <summary>JIDs in an account's always and never lists together; a preferences set beyond it is refused with &lt;not-acceptable/&gt;.</summary>
    public int MaxPreferenceJids { get; set; } = 1000;

    /// <summary>Message ids one query may name in its 'ids' field; more is &lt;policy-violation/&gt;.</summary>
    public int MaxQueryIds { get; set; } = 100;
}
