using Xmpp.Muc.Protocol;

namespace Xmpp.Muc.Storage;

/// <summary>A persistent room as stored: configuration, subject, occupant-id secret, affiliations and how many messages its archive holds.</summary>
public sealed record StoredRoom(string Jid, RoomConfig Config, string Subject, string SubjectNick, byte[] Secret,
    IReadOnlyDictionary<string, Affiliation> Affiliations, int ArchiveCount);

/// <summary>One archived groupchat message: its order in the archive, XEP-0359 id, time, sender's nick and the stanza as broadcast (no 'to').</summary>
public sealed record ArchivedMessage(long Seq, string Id, DateTimeOffset Stamp, string Nick, byte[] Stanza);

/// <summary>
/// A XEP-0313 query against one room's archive, already resolved to archive positions: the filters
/// (time range, sender nick), the bounds (after/before a position) and the page size; <see cref="FromEnd"/>
/// takes the page that ends at the upper bound (RSM &lt;before/&gt;) instead of the one that starts at the lower.
/// </summary>
public sealed record ArchiveQuery(string Room, DateTimeOffset? Start, DateTimeOffset? End, string? Nick,
    long? AfterSeq, long? BeforeSeq, int Max, bool FromEnd);

/// <summary>A page of results: the messages in archive order, whether the query's direction is exhausted, how many match the filters, and the first message's index among them.</summary>
public sealed record ArchivePage(IReadOnlyList<ArchivedMessage> Messages, bool Complete, int Count, int FirstIndex);

/// <summary>
/// The group chat service's storage: persistent rooms with their affiliations, and every room's
/// archive (XEP-0313), bounded per room. One implementation (SQLite); called from the service's
/// single handler loop and its expiry timer.
/// </summary>
public interface IMucStore : IDisposable
{
    IReadOnlyList<StoredRoom> LoadRooms();

    /// <summary>Writes the room's configuration, subject, secret and all its affiliations (a room that becomes persistent, or whose configuration changed).</summary>
    void SaveRoom(Room room);

    void SetAffiliation(string room, string jid, Affiliation affiliation);

    /// <summary>Deletes the room's row, affiliations and archive.</summary>
    void DeleteRoom(string room);

    /// <summary>Deletes the room's archive only (a temporary room that ended).</summary>
    void DeleteArchive(string room);

    /// <summary>Deletes the room's <paramref name="removeOldest"/> oldest messages (the caller keeps the count, so the bound costs no scan) and appends one.</summary>
    void Append(string room, ArchivedMessage message, int removeOldest);

    /// <summary>The archive position of the message with XEP-0359 id <paramref name="id"/>, or null.</summary>
    long? SeqOf(string room, string id);

    ArchivePage Query(ArchiveQuery query);

    /// <summary>The last <paramref name="count"/> messages, oldest first (history after a restart).</summary>
    IReadOnlyList<ArchivedMessage> Last(string room, int count);

    /// <summary>Deletes archived messages older than <paramref name="cutoff"/>; returns how many per room.</summary>
    IReadOnlyDictionary<string, int> DeleteOlderThan(DateTimeOffset cutoff);

    /// <summary>Deletes the archives of rooms that are not stored (temporary rooms of an earlier run); returns how many messages.</summary>
    int DeleteOrphanArchives();
}
