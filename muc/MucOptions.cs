namespace Xmpp.Muc;

/// <summary>
/// The group chat service's settings (section "Muc"; env Muc__MaxRooms=...). The domain it serves
/// and the server it belongs to are the "Component" section (Component:Domain, Component:ServerDomain).
/// Every limit has a default a careful operator would pick; README.md lists them.
/// </summary>
public sealed class MucOptions
{
    public const string Section = "Muc";

    /// <summary>Where muc.db (rooms, affiliations, archives) lives.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Rooms that may exist at once (persistent ones plus temporary ones with occupants); one more: &lt;resource-constraint/&gt;.</summary>
    public int MaxRooms { get; set; } = 10_000;

    /// <summary>The highest muc#roomconfig_maxusers an owner may set (owners and admins may always enter).</summary>
    public int MaxOccupantsPerRoom { get; set; } = 1000;

    /// <summary>muc#roomconfig_maxusers of a new room.</summary>
    public int DefaultMaxUsers { get; set; } = 200;

    /// <summary>The highest muc#roomconfig_historylength (messages sent to a joining occupant).</summary>
    public int MaxHistoryMessages { get; set; } = 100;

    /// <summary>muc#roomconfig_historylength of a new room.</summary>
    public int DefaultHistoryLength { get; set; } = 20;

    /// <summary>Whether a new room is persistent (muc#roomconfig_persistentroom); Prosody's default, false.</summary>
    public bool DefaultPersistent { get; set; }

    /// <summary>Whether a new room is listed in disco#items (muc#roomconfig_publicroom).</summary>
    public bool DefaultPublic { get; set; } = true;

    /// <summary>Whether a new room keeps a XEP-0313 archive (the 'mam' field).</summary>
    public bool DefaultArchive { get; set; } = true;

    /// <summary>Messages kept in one room's archive; the oldest goes when a new one comes.</summary>
    public int MaxArchiveMessagesPerRoom { get; set; } = 10_000;

    /// <summary>Archived messages older than this are deleted (checked every ArchiveExpiryInterval); zero keeps them until MaxArchiveMessagesPerRoom pushes them out.</summary>
    public TimeSpan ArchiveRetention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How often expired archive messages are deleted.</summary>
    public TimeSpan ArchiveExpiryInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Messages in one MAM page when the query names no RSM max.</summary>
    public int DefaultMamPageSize { get; set; } = 50;

    /// <summary>The largest MAM page (a bigger RSM max is cut to this).</summary>
    public int MaxMamPageSize { get; set; } = 250;

    /// <summary>Affiliations (members, admins, owners, outcasts) one room may hold; one more: &lt;resource-constraint/&gt;.</summary>
    public int MaxAffiliationsPerRoom { get; set; } = 10_000;

    /// <summary>iq requests between occupants waiting for their answer; beyond, the oldest is forgotten.</summary>
    public int MaxPendingIqs { get; set; } = 1000;

    /// <summary>Bare JIDs that are owners of every room (and may create rooms when RestrictRoomCreation is on).</summary>
    public List<string> Admins { get; set; } = [];

    /// <summary>When true only the Admins may create rooms; others get &lt;not-allowed/&gt;.</summary>
    public bool RestrictRoomCreation { get; set; }
}
