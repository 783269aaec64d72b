using Xmpp.Common;

namespace Xmpp.Muc.Protocol;

/// <summary>
/// One room's state: configuration, affiliations, subject, occupants (by nick and by real JID), the
/// recent messages a joining occupant gets, and the secret its occupant ids are derived from.
/// Only the service's single handler loop touches it, so it needs no locks.
/// </summary>
public sealed class Room(Jid jid, RoomConfig config, byte[] secret)
{
    public Jid Jid { get; } = jid;
    public RoomConfig Config { get; set; } = config;
    public byte[] Secret { get; } = secret;

    /// <summary>XEP-0045 §10.1: a new room is locked until its owner configures it (or asks for an instant room).</summary>
    public bool Locked { get; set; }

    public string Subject { get; set; } = "";
    /// <summary>The nick that set the subject ("" when the room itself did).</summary>
    public string SubjectNick { get; set; } = "";

    /// <summary>Affiliations other than none, by bare JID.</summary>
    public Dictionary<string, Affiliation> Affiliations { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, Occupant> ByNick { get; } = new(StringComparer.Ordinal);
    public Dictionary<Jid, Occupant> ByRealJid { get; } = [];

    /// <summary>The last messages, oldest first, at most the configured history length.</summary>
    public LinkedList<HistoryEntry> History { get; } = new();

    /// <summary>Messages in the room's stored archive (kept in step by the service, bounded by Muc:MaxArchiveMessagesPerRoom).</summary>
    public int ArchiveCount { get; set; }

    /// <summary>Service admins (Muc:Admins), owners of every room.</summary>
    public IReadOnlySet<string> ServiceAdmins { get; init; } = new HashSet<string>();

    public IEnumerable<Occupant> Occupants => ByNick.Values;

    public Affiliation AffiliationOf(Jid jid)
    {
        var bare = jid.Bare.ToString();
        if (ServiceAdmins.Contains(bare)) return Affiliation.Owner;
        return Affiliations.TryGetValue(bare, out var a) ? a : Affiliation.None;
    }

    public Affiliation AffiliationOf(Occupant occupant) => AffiliationOf(occupant.RealJid);

    /// <summary>XEP-0045 §5.1.2: the role an occupant gets on entering (or when its affiliation changes).</summary>
    public Role DefaultRole(Affiliation affiliation) => affiliation switch
    {
        Affiliation.Owner or Affiliation.Admin => Role.Moderator,
        Affiliation.Member => Role.Participant,
        Affiliation.Outcast => Role.None,
        _ => Config.MembersOnly ? Role.None : Config.Moderated ? Role.Visitor : Role.Participant,
    };

    /// <summary>Whether <paramref name="viewer"/> sees the occupants' real JIDs.</summary>
    public bool SeesRealJids(Occupant viewer) => Config.WhoIs == WhoIs.Anyone || viewer.Role == Role.Moderator;

    public void AddHistory(HistoryEntry entry)
    {
        History.AddLast(entry);
        while (History.Count > Config.HistoryLength) History.RemoveFirst();
    }
}
