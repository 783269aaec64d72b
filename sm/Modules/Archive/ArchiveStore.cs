using System.Data;
using System.Globalization;
using Xmpp.Common;
using Xmpp.Sm.Storage;

namespace Xmpp.Sm.Modules.Archive;

/// <summary>One archived message as a query returns it.</summary>
public sealed record ArchivedMessage(long Seq, string Id, DateTimeOffset At, byte[] Stanza);

/// <summary>A page of a query: its messages in archive order, whether it reaches the end it pages towards, how many match, the position of its first.</summary>
public sealed record ArchivePage(IReadOnlyList<ArchivedMessage> Messages, bool Complete, long Count, long FirstIndex);

/// <summary>
/// The archive's tables, through the module contract's store (sm's one connection, inside the
/// frame batch's transaction): messages per owner in arrival order ('seq'), keyed by their
/// XEP-0359 id; a message count per owner (for the quota without counting rows); preferences.
/// </summary>
public sealed class ArchiveStore(IModuleStore db)
{
    public static readonly ModuleSchema Schema = new("""
        CREATE TABLE archive_messages (
            seq           INTEGER PRIMARY KEY AUTOINCREMENT,  -- archive order
            user          TEXT NOT NULL,                      -- the owner's bare JID
            id            TEXT NOT NULL,                      -- XEP-0359 stanza-id, unique per owner
            at            TEXT NOT NULL,                      -- ISO 8601 UTC: when it was archived
            with_bare     TEXT NOT NULL,                      -- the other party's bare JID
            with_resource TEXT NOT NULL,                      -- its resource, '' when none
            outgoing      INTEGER NOT NULL,                   -- 1: the owner sent it
            stanza        BLOB NOT NULL                       -- the message as sent, UTF-8 XML
        );
        CREATE UNIQUE INDEX archive_messages_by_id ON archive_messages (user, id);
        CREATE INDEX archive_messages_by_user ON archive_messages (user, seq);
        CREATE INDEX archive_messages_by_with ON archive_messages (user, with_bare, seq);
        CREATE INDEX archive_messages_by_time ON archive_messages (at);
        CREATE TABLE archive_counts (
            user     TEXT PRIMARY KEY,
            messages INTEGER NOT NULL
        );
        CREATE TABLE archive_prefs (
            user         TEXT PRIMARY KEY,
            default_mode TEXT NOT NULL,   -- always, never, roster
            always_jids  TEXT NOT NULL,   -- bare JIDs, one per line
            never_jids   TEXT NOT NULL
        );
        """);

    /// <summary>Stores a message; returns how many of the owner's oldest messages the quota then removed.</summary>
    public int Append(Jid owner, string id, DateTimeOffset at, Jid with, bool outgoing, byte[] stanza, int maxMessages)
    {
        var user = owner.Bare.ToString();
        db.Execute("""
            INSERT INTO archive_messages (user, id, at, with_bare, with_resource, outgoing, stanza)
            VALUES ($user, $id, $at, $bare, $resource, $outgoing, $stanza)
            """, ("$user", user), ("$id", id), ("$at", at), ("$bare", with.Bare.ToString()), ("$resource", with.Resource ?? ""),
            ("$outgoing", outgoing), ("$stanza", stanza));
        var count = db.Scalar<long>("""
            INSERT INTO archive_counts (user, messages) VALUES ($user, 1)
            ON CONFLICT (user) DO UPDATE SET messages = archive_counts.messages + 1
            RETURNING messages
            """, ("$user", user));
        if (count <= maxMessages) return 0;
        var excess = (int)(count - maxMessages);
        var removed = db.Execute("""
            DELETE FROM archive_messages WHERE seq IN
                (SELECT seq FROM archive_messages WHERE user = $user ORDER BY seq LIMIT $excess)
            """, ("$user", user), ("$excess", excess));
        Uncount(user, removed);
        return removed;
    }

    /// <summary>Removes the owner's messages archived before <paramref name="cutoff"/>; how many.</summary>
    public int Expire(Jid owner, DateTimeOffset cutoff)
    {
        var user = owner.Bare.ToString();
        var removed = db.Execute("DELETE FROM archive_messages WHERE user = $user AND at < $cutoff", ("$user", user), ("$cutoff", cutoff));
        Uncount(user, removed);
        return removed;
    }

    /// <summary>Removes every account's messages archived before <paramref name="cutoff"/> and recounts; how many.</summary>
    public int ExpireAll(DateTimeOffset cutoff)
    {
        var removed = db.Execute("DELETE FROM archive_messages WHERE at < $cutoff", ("$cutoff", cutoff));
        if (removed > 0)
        {
            db.Execute("UPDATE archive_counts SET messages = (SELECT COUNT(*) FROM archive_messages m WHERE m.user = archive_counts.user)");
            db.Execute("DELETE FROM archive_counts WHERE messages = 0");
        }
        return removed;
    }

    private void Uncount(string user, int removed)
    {
        if (removed > 0)
            db.Execute("UPDATE archive_counts SET messages = messages - $n WHERE user = $user", ("$user", user), ("$n", removed));
    }

    public void DeleteAccount(Jid owner)
    {
        var user = owner.Bare.ToString();
        db.Execute("DELETE FROM archive_messages WHERE user = $user", ("$user", user));
        db.Execute("DELETE FROM archive_counts WHERE user = $user", ("$user", user));
        db.Execute("DELETE FROM archive_prefs WHERE user = $user", ("$user", user));
    }

    public ArchivePrefs? Prefs(Jid owner) =>
        db.Query("SELECT default_mode, always_jids, never_jids FROM archive_prefs WHERE user = $user",
            r => new ArchivePrefs(r.GetString(0), Lines(r.GetString(1)), Lines(r.GetString(2))),
            ("$user", owner.Bare.ToString())).FirstOrDefault();

    public void SetPrefs(Jid owner, ArchivePrefs prefs) =>
        db.Execute("""
            INSERT INTO archive_prefs (user, default_mode, always_jids, never_jids) VALUES ($user, $mode, $always, $never)
            ON CONFLICT (user) DO UPDATE SET default_mode = excluded.default_mode, always_jids = excluded.always_jids, never_jids = excluded.never_jids
            """, ("$user", owner.Bare.ToString()), ("$mode", prefs.Default),
            ("$always", string.Join('\n', prefs.AlwaysJids)), ("$never", string.Join('\n', prefs.NeverJids)));

    private static string[] Lines(string text) => text.Length == 0 ? [] : text.Split('\n');

    /// <summary>The archive order position of a message id of the owner, or null when the archive has no such message.</summary>
    public long? SeqOf(Jid owner, string id) =>
        db.Scalar<long?>("SELECT seq FROM archive_messages WHERE user = $user AND id = $id", ("$user", owner.Bare.ToString()), ("$id", id));

    /// <summary>The first and last message of the owner's archive still kept (XEP-0313 §5 metadata).</summary>
    public (ArchivedMessage? First, ArchivedMessage? Last) Bounds(Jid owner, DateTimeOffset notBefore)
    {
        var args = new (string, object?)[] { ("$user", owner.Bare.ToString()), ("$since", notBefore) };
        var first = db.Query("SELECT seq, id, at FROM archive_messages WHERE user = $user AND at >= $since ORDER BY seq LIMIT 1", Header, args).FirstOrDefault();
        var last = db.Query("SELECT seq, id, at FROM archive_messages WHERE user = $user AND at >= $since ORDER BY seq DESC LIMIT 1", Header, args).FirstOrDefault();
        return (first, last);
    }

    /// <summary>Times are stored as ISO 8601 UTC text (<see cref="IModuleStore"/>).</summary>
    private static DateTimeOffset Time(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private static ArchivedMessage Header(IDataRecord r) =>
        new(r.GetInt64(0), r.GetString(1), Time(r.GetString(2)), []);

    /// <summary>
    /// One page of the owner's messages matching <paramref name="query"/>'s filters, never older
    /// than <paramref name="notBefore"/>; the filter ids (after-id, before-id) and paging ids
    /// are archive positions already looked up by the caller.
    /// </summary>
    public ArchivePage Page(Jid owner, ArchiveQuery query, DateTimeOffset notBefore, long? afterIdSeq, long? beforeIdSeq, long? afterSeq, long? beforeSeq)
    {
        var where = new List<string> { "user = $user", "at >= $since" };
        var args = new List<(string, object?)> { ("$user", owner.Bare.ToString()), ("$since", notBefore) };
        if (query.With is { } with)
        {
            where.Add("with_bare = $with");
            args.Add(("$with", with.Bare.ToString()));
            if (with.Resource is { } resource)
            {
                where.Add("with_resource = $resource");
                args.Add(("$resource", resource));
            }
        }
        if (query.Start is { } start) { where.Add("at >= $start"); args.Add(("$start", start)); }
        if (query.End is { } end) { where.Add("at <= $end"); args.Add(("$end", end)); }
        if (afterIdSeq is { } a) { where.Add("seq > $afterId"); args.Add(("$afterId", a)); }
        if (beforeIdSeq is { } b) { where.Add("seq < $beforeId"); args.Add(("$beforeId", b)); }
        if (query.Ids is { } ids)
        {
            var names = ids.Select((_, i) => "$id" + i).ToArray();
            where.Add(names.Length == 0 ? "1 = 0" : $"id IN ({string.Join(", ", names)})");
            args.AddRange(ids.Select((id, i) => ("$id" + i, (object?)id)));
        }
        var filter = string.Join(" AND ", where);
        var count = db.Scalar<long>($"SELECT COUNT(*) FROM archive_messages WHERE {filter}", [.. args]);

        var pageWhere = filter;
        var pageArgs = new List<(string, object?)>(args);
        if (afterSeq is { } after) { pageWhere += " AND seq > $after"; pageArgs.Add(("$after", after)); }
        if (beforeSeq is { } before) { pageWhere += " AND seq < $before"; pageArgs.Add(("$before", before)); }
        pageArgs.Add(("$limit", query.Max + 1)); // one more than asked: tells whether the page is the last
        var rows = db.Query($"""
            SELECT seq, id, at, stanza FROM archive_messages WHERE {pageWhere}
            ORDER BY seq {(query.Backwards ? "DESC" : "ASC")} LIMIT $limit
            """, r => new ArchivedMessage(r.GetInt64(0), r.GetString(1), Time(r.GetString(2)), (byte[])r.GetValue(3)),
            [.. pageArgs]).ToList();
        var complete = rows.Count <= query.Max;
        if (!complete) rows.RemoveAt(rows.Count - 1);
        if (query.Backwards) rows.Reverse();
        var firstIndex = rows.Count == 0 ? 0 :
            db.Scalar<long>($"SELECT COUNT(*) FROM archive_messages WHERE {filter} AND seq < $first", [.. args, ("$first", rows[0].Seq)]);
        return new ArchivePage(rows, complete, count, firstIndex);
    }
}
