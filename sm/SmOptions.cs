namespace Xmpp.Sm;

/// <summary>The session manager's settings, bound from the "Sm" configuration section.</summary>
public sealed class SmOptions
{
    public const string Section = "Sm";

    /// <summary>The XMPP domain this sm serves; it binds the router address sm/&lt;Domain&gt;.</summary>
    public string Domain { get; set; } = "localhost";

    /// <summary>Folder of the SQLite database file sm.db (relative paths are relative to the working directory).</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Which database holds sm's data: SQLite (default) or PostgreSQL (section "Sm:Storage").</summary>
    public Storage.StorageOptions Storage { get; set; } = new();

    /// <summary>Offline messages kept per user; beyond it senders get &lt;service-unavailable/&gt;.</summary>
    public int OfflineLimit { get; set; } = 1000;

    /// <summary>Offline storage limits beyond the message count (section "Sm:Offline").</summary>
    public OfflineOptions Offline { get; set; } = new();

    /// <summary>
    /// Most frames handled in one storage transaction (group commit): the frames already waiting
    /// are handled, committed with one fsync, and only then is their output sent. 1: a commit per frame.
    /// </summary>
    public int GroupCommitFrames { get; set; } = 256;

    /// <summary>
    /// After sm's own router link came back (a router restart), how long a c2s that owned sessions
    /// has to link again (and resync) before its sessions end. A c2s the router says went away
    /// (its link dropped while the router stayed) loses its sessions at once.
    /// </summary>
    public TimeSpan C2sGracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Frames for a c2s that has not linked again yet after a router restart that wait for it (the router returned them); past it they are handled as undelivered.</summary>
    public int MaxHeldFramesPerC2s { get; set; } = 10_000;

    /// <summary>
    /// Most bytes of offline messages delivered at once, when a resource becomes available (at
    /// least one message); the rest waits for its next available presence. Keep it below c2s's
    /// C2s:MaxOutboundBytes, or a large backlog cuts the client off at every login.
    /// </summary>
    public long OfflineFlushBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>Roster items per user; a roster set beyond it gets &lt;not-allowed/&gt;.</summary>
    public int RosterLimit { get; set; } = 1000;

    /// <summary>Bare JIDs of the administrators: they may run the XEP-0133 admin commands (XEP-0050); everyone else gets &lt;forbidden/&gt;.</summary>
    public List<string> Admins { get; set; } = [];

    /// <summary>
    /// On shutdown, tell every session's c2s ENDED reason "system-shutdown" (its client sees
    /// &lt;system-shutdown/&gt;). Off by default: an sm stop is a restart, c2s keeps its clients and
    /// re-attaches their sessions on the next sm (C2s:SmGracePeriod).
    /// </summary>
    public bool EndSessionsOnShutdown { get; set; }

    /// <summary>
    /// PBKDF2 iteration count of SCRAM keys: an account whose keys have another count gets new ones
    /// at this count at its next PLAIN login (c2s derives them from the password, sm stores them);
    /// SCRAM logins cannot (the server never sees the password) and are counted. Unknown accounts'
    /// fake credentials announce it (keep accounts' keys at it, xmppctl --iterations, or unknown
    /// accounts stand out by their count until every account has logged in with PLAIN once or
    /// changed its password).
    /// </summary>
    public int ScramIterations { get; set; } = Xmpp.Common.Sasl.ScramAlgorithm.DefaultIterations;

    /// <summary>SASL failures an account name may have before it is locked.</summary>
    public int AuthAccountFreeFailures { get; set; } = 10;

    /// <summary>The lock after the first failure beyond the free ones; doubles with each further failure.</summary>
    public TimeSpan AuthAccountBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest lock.</summary>
    public TimeSpan AuthAccountMaxBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>An account name with no failure for this long starts counting from zero again.</summary>
    public TimeSpan AuthAccountForgetAfter { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Account names whose failures are remembered at once (the least recently failed are forgotten first).</summary>
    public int AuthAccountMaxTracked { get; set; } = 100_000;

    /// <summary>
    /// How long, after a PLAIN login re-derived an account's keys at <see cref="ScramIterations"/>,
    /// a login already under way with the old salt and count still succeeds (another device of the
    /// same account logging in at the same moment); a password change ends it at once. Zero: never.
    /// At most <see cref="AuthAccountMaxTracked"/> accounts are remembered.
    /// </summary>
    public TimeSpan AuthRehashGrace { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>XEP-0198 stream management (section "Sm:StreamManagement").</summary>
    public StreamManagement.StreamManagementOptions StreamManagement { get; set; } = new();

    /// <summary>
    /// This sm's shard name when several sm processes serve the domain (protos/router.proto, "sm
    /// shards"): it binds sm/&lt;Domain&gt;#&lt;Shard&gt; and owns the accounts rendezvous hashing gives it
    /// over the live shards; all shards share one store. Empty (the default): the one sm of the
    /// domain, bound as sm/&lt;Domain&gt;. In Kubernetes a StatefulSet sets it from the pod name
    /// (env Sm__Shard from metadata.name). Letters, digits, '-', '_', '.', at most 63.
    /// </summary>
    public string Shard { get; set; } = "";

    /// <summary>
    /// sm shards: the most DELIVER hops this shard keeps while their owners have not confirmed them
    /// (they are sent again if that shard dies; confirmations come at least once a second). Past it
    /// the oldest are no longer kept (logged and counted).
    /// </summary>
    public int MaxUnconfirmedShardHops { get; set; } = 100_000;

    /// <summary>The router address this sm binds.</summary>
    public string Address => Xmpp.Common.Shards.SmShardAddress.Of(Domain, Shard);

    /// <summary>The domain's sm address ("sm/&lt;Domain&gt;"): where frames for the domain's owner go.</summary>
    public string DomainAddress => "sm/" + Domain;
}

/// <summary>Offline storage settings, bound from "Sm:Offline".</summary>
public sealed class OfflineOptions
{
    /// <summary>Stanza bytes kept in offline storage per account; a message that would go beyond it is refused with &lt;service-unavailable/&gt;.</summary>
    public long MaxBytesPerAccount { get; set; } = 1024 * 1024;
}
