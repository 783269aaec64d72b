using System.Text.Json;
using Microsoft.Data.Sqlite;
using Xmpp.Muc.Protocol;

namespace Xmpp.Muc.Storage;

/// <summary>
/// muc.db: schema version in PRAGMA user_version; WAL with synchronous=NORMAL (a commit survives
/// kill -9 of the process; only a power loss may take the last ones). One connection, guarded by a
/// lock: the handler loop and the archive expiry timer share it.
/// </summary>
public sealed class SqliteMucStore : IMucStore
{
    public const int Version = 1;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS rooms (
            jid          TEXT PRIMARY KEY,     -- room@service
            config       TEXT NOT NULL,        -- RoomConfig as JSON
            subject      TEXT NOT NULL DEFAULT '',
            subject_nick TEXT NOT NULL DEFAULT '',
            secret       BLOB NOT NULL         -- XEP-0421 occupant-id key (32 random bytes)
        );
        CREATE TABLE IF NOT EXISTS affiliations (
            room         TEXT NOT NULL,
            jid          TEXT NOT NULL,        -- bare JID
            affiliation  TEXT NOT NULL,        -- owner | admin | member | outcast
            PRIMARY KEY (room, jid)
        );
        CREATE TABLE IF NOT EXISTS archive (
            seq          INTEGER PRIMARY KEY AUTOINCREMENT,
            room         TEXT NOT NULL,
            id           TEXT NOT NULL,        -- XEP-0359 stanza-id
            stamp        INTEGER NOT NULL,     -- Unix milliseconds
            nick         TEXT NOT NULL,
            stanza       BLOB NOT NULL         -- the message as broadcast, without 'to'
        );
        CREATE INDEX IF NOT EXISTS archive_by_room ON archive (room, seq);
        CREATE UNIQUE INDEX IF NOT EXISTS archive_by_id ON archive (room, id);
        CREATE INDEX IF NOT EXISTS archive_by_stamp ON archive (stamp);
        """;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };
    private readonly SqliteConnection _db;
    private readonly Lock _lock = new();

    public SqliteMucStore(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _db.Open();
        Execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
        using var version = Command("PRAGMA user_version");
        var current = Convert.ToInt32(version.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (current > Version) throw new InvalidOperationException($"{path} has schema version {current}; this xmpp-muc knows up to {Version}");
        Execute(Schema);
        Execute($"PRAGMA user_version = {Version}");
    }

    public IReadOnlyList<StoredRoom> LoadRooms()
    {
        lock (_lock)
        {
            var affiliations = new Dictionary<string, Dictionary<string, Affiliation>>(StringComparer.Ordinal);
            using (var cmd = Command("SELECT room, jid, affiliation FROM affiliations"))
            using (var reader = cmd.ExecuteReader())
                while (reader.Read())
                    if (MucNames.TryParseAffiliation(reader.GetString(2), out var a))
                    {
                        if (!affiliations.TryGetValue(reader.GetString(0), out var map)) affiliations[reader.GetString(0)] = map = new(StringComparer.Ordinal);
                        map[reader.GetString(1)] = a;
                    }
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            using (var cmd = Command("SELECT room, COUNT(*) FROM archive GROUP BY room"))
            using (var reader = cmd.ExecuteReader())
                while (reader.Read()) counts[reader.GetString(0)] = reader.GetInt32(1);
            var rooms = new List<StoredRoom>();
            using (var cmd = Command("SELECT jid, config, subject, subject_nick, secret FROM rooms"))
            using (var reader = cmd.ExecuteReader())
                while (reader.Read())
                {
                    var jid = reader.GetString(0);
                    var config = JsonSerializer.Deserialize<RoomConfig>(reader.GetString(1), Json) ?? new RoomConfig();
                    rooms.Add(new StoredRoom(jid, config, reader.GetString(2), reader.GetString(3), (byte[])reader[4],
                        affiliations.GetValueOrDefault(jid) ?? [], counts.GetValueOrDefault(jid)));
                }
            return rooms;
        }
    }

    public void SaveRoom(Room room)
    {
        lock (_lock)
        {
            using var tx = _db.BeginTransaction();
            using (var cmd = Command("""
                INSERT INTO rooms (jid, config, subject, subject_nick, secret) VALUES ($jid, $config, $subject, $nick, $secret)
                ON CONFLICT (jid) DO UPDATE SET config = excluded.config, subject = excluded.subject, subject_nick = excluded.subject_nick
                """))
            {
                cmd.Parameters.AddWithValue("$jid", room.Jid.ToString());
                cmd.Parameters.AddWithValue("$config", JsonSerializer.Serialize(room.Config, Json));
                cmd.Parameters.AddWithValue("$subject", room.Subject);
                cmd.Parameters.AddWithValue("$nick", room.SubjectNick);
                cmd.Parameters.AddWithValue("$secret", room.Secret);
                cmd.ExecuteNonQuery();
            }
            using (var cmd = Command("DELETE FROM affiliations WHERE room = $room"))
            {
                cmd.Parameters.AddWithValue("$room", room.Jid.ToString());
                cmd.ExecuteNonQuery();
            }
            foreach (var (jid, affiliation) in room.Affiliations) WriteAffiliation(room.Jid.ToString(), jid, affiliation);
            tx.Commit();
        }
    }

    public void SetAffiliation(string room, string jid, Affiliation affiliation)
    {
        lock (_lock) WriteAffiliation(room, jid, affiliation);
    }

    private void WriteAffiliation(string room, string jid, Affiliation affiliation)
    {
        using var cmd = Command(affiliation == Affiliation.None
            ? "DELETE FROM affiliations WHERE room = $room AND jid = $jid"
            : "INSERT INTO affiliations (room, jid, affiliation) VALUES ($room, $jid, $a) ON CONFLICT (room, jid) DO UPDATE SET affiliation = excluded.affiliation");
        cmd.Parameters.AddWithValue("$room", room);
        cmd.Parameters.AddWithValue("$jid", jid);
        cmd.Parameters.AddWithValue("$a", affiliation.Name());
        cmd.ExecuteNonQuery();
    }

    public void DeleteRoom(string room)
    {
        lock (_lock)
        {
            using var tx = _db.BeginTransaction();
            foreach (var table in new[] { "rooms WHERE jid", "affiliations WHERE room", "archive WHERE room" })
            {
                using var cmd = Command($"DELETE FROM {table} = $room");
                cmd.Parameters.AddWithValue("$room", room);
                cmd.ExecuteNonQuery();
            }
            tx.Commit();
        }
    }

    public void DeleteArchive(string room)
    {
        lock (_lock)
        {
            using var cmd = Command("DELETE FROM archive WHERE room = $room");
            cmd.Parameters.AddWithValue("$room", room);
            cmd.ExecuteNonQuery();
        }
    }

    public void Append(string room, ArchivedMessage message, int removeOldest)
    {
        lock (_lock)
        {
            using var tx = _db.BeginTransaction();
            if (removeOldest > 0)
            {
                using var delete = Command("DELETE FROM archive WHERE seq IN (SELECT seq FROM archive WHERE room = $room ORDER BY seq LIMIT $n)");
                delete.Parameters.AddWithValue("$room", room);
                delete.Parameters.AddWithValue("$n", removeOldest);
                delete.ExecuteNonQuery();
            }
            using (var cmd = Command("INSERT INTO archive (room, id, stamp, nick, stanza) VALUES ($room, $id, $stamp, $nick, $stanza)"))
            {
                cmd.Parameters.AddWithValue("$room", room);
                cmd.Parameters.AddWithValue("$id", message.Id);
                cmd.Parameters.AddWithValue("$stamp", message.Stamp.ToUnixTimeMilliseconds());
                cmd.Parameters.AddWithValue("$nick", message.Nick);
                cmd.Parameters.AddWithValue("$stanza", message.Stanza);
                cmd.ExecuteNonQuery();
            }
            tx.Commit();
        }
    }

    public long? SeqOf(string room, string id)
    {
        lock (_lock)
        {
            using var cmd = Command("SELECT seq FROM archive WHERE room = $room AND id = $id");
            cmd.Parameters.AddWithValue("$room", room);
            cmd.Parameters.AddWithValue("$id", id);
            return cmd.ExecuteScalar() is long seq ? seq : null;
        }
    }

    public ArchivePage Query(ArchiveQuery q)
    {
        lock (_lock)
        {
            const string filters = "room = $room AND ($start IS NULL OR stamp >= $start) AND ($end IS NULL OR stamp <= $end) AND ($nick IS NULL OR nick = $nick)";
            void Bind(SqliteCommand cmd)
            {
                cmd.Parameters.AddWithValue("$room", q.Room);
                cmd.Parameters.AddWithValue("$start", (object?)q.Start?.ToUnixTimeMilliseconds() ?? DBNull.Value);
                cmd.Parameters.AddWithValue("$end", (object?)q.End?.ToUnixTimeMilliseconds() ?? DBNull.Value);
                cmd.Parameters.AddWithValue("$nick", (object?)q.Nick ?? DBNull.Value);
                cmd.Parameters.AddWithValue("$after", q.AfterSeq ?? long.MinValue);
                cmd.Parameters.AddWithValue("$before", q.BeforeSeq ?? long.MaxValue);
                cmd.Parameters.AddWithValue("$limit", q.Max + 1);
            }
            var messages = new List<ArchivedMessage>();
            using (var cmd = Command($"SELECT seq, id, stamp, nick, stanza FROM archive WHERE {filters} AND seq > $after AND seq < $before ORDER BY seq {(q.FromEnd ? "DESC" : "ASC")} LIMIT $limit"))
            {
                Bind(cmd);
                using var reader = cmd.ExecuteReader();
                while (reader.Read()) messages.Add(Read(reader));
            }
            var complete = messages.Count <= q.Max;
            if (!complete) messages.RemoveAt(messages.Count - 1);
            if (q.FromEnd) messages.Reverse();
            int count, firstIndex = 0;
            using (var cmd = Command($"SELECT COUNT(*) FROM archive WHERE {filters}"))
            {
                Bind(cmd);
                count = Convert.ToInt32(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            }
            if (messages.Count > 0)
            {
                using var cmd = Command($"SELECT COUNT(*) FROM archive WHERE {filters} AND seq < $first");
                Bind(cmd);
                cmd.Parameters.AddWithValue("$first", messages[0].Seq);
                firstIndex = Convert.ToInt32(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            }
            return new ArchivePage(messages, complete, count, firstIndex);
        }
    }

    public IReadOnlyList<ArchivedMessage> Last(string room, int count)
    {
        lock (_lock)
        {
            using var cmd = Command("SELECT seq, id, stamp, nick, stanza FROM archive WHERE room = $room ORDER BY seq DESC LIMIT $n");
            cmd.Parameters.AddWithValue("$room", room);
            cmd.Parameters.AddWithValue("$n", count);
            var list = new List<ArchivedMessage>();
            using var reader = cmd.ExecuteReader();
            while (reader.Read()) list.Add(Read(reader));
            list.Reverse();
            return list;
        }
    }

    public IReadOnlyDictionary<string, int> DeleteOlderThan(DateTimeOffset cutoff)
    {
        lock (_lock)
        {
            using var tx = _db.BeginTransaction();
            var removed = new Dictionary<string, int>(StringComparer.Ordinal);
            using (var cmd = Command("SELECT room, COUNT(*) FROM archive WHERE stamp < $cutoff GROUP BY room"))
            {
                cmd.Parameters.AddWithValue("$cutoff", cutoff.ToUnixTimeMilliseconds());
                using var reader = cmd.ExecuteReader();
                while (reader.Read()) removed[reader.GetString(0)] = reader.GetInt32(1);
            }
            using (var cmd = Command("DELETE FROM archive WHERE stamp < $cutoff"))
            {
                cmd.Parameters.AddWithValue("$cutoff", cutoff.ToUnixTimeMilliseconds());
                cmd.ExecuteNonQuery();
            }
            tx.Commit();
            return removed;
        }
    }

    public int DeleteOrphanArchives()
    {
        lock (_lock)
        {
            using var cmd = Command("DELETE FROM archive WHERE room NOT IN (SELECT jid FROM rooms)");
            return cmd.ExecuteNonQuery();
        }
    }

    private static ArchivedMessage Read(SqliteDataReader reader) =>
        new(reader.GetInt64(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), reader.GetString(3), (byte[])reader[4]);

    private SqliteCommand Command(string sql)
    {
        var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        return cmd;
    }

    private void Execute(string sql)
    {
        using var cmd = Command(sql);
        cmd.ExecuteNonQuery();
    }

    public void Dispose()
    {
        lock (_lock) _db.Dispose();
    }
}
