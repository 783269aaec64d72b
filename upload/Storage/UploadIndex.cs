using Microsoft.Data.Sqlite;

namespace Xmpp.Upload.Storage;

/// <summary>
/// The slots and uploaded files, in SQLite (upload.db under the data directory). One connection,
/// used under a lock: the service's slot requests, the HTTP side's PUTs and GETs and the expiry
/// timer each make one short statement at a time.
/// </summary>
public sealed class UploadIndex : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly Lock _lock = new();

    public UploadIndex(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        _db.Open();
        UploadSchema.Apply(_db);
    }

    public void Add(Slot slot)
    {
        lock (_lock)
        {
            using var cmd = Command("""
                INSERT INTO slots (id, owner, file_name, size, content_type, created_at, slot_expires_at)
                VALUES ($id, $owner, $name, $size, $type, $created, $expires)
                """);
            cmd.Parameters.AddWithValue("$id", slot.Id);
            cmd.Parameters.AddWithValue("$owner", slot.Owner);
            cmd.Parameters.AddWithValue("$name", slot.FileName);
            cmd.Parameters.AddWithValue("$size", slot.Size);
            cmd.Parameters.AddWithValue("$type", slot.ContentType);
            cmd.Parameters.AddWithValue("$created", slot.CreatedAt.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$expires", slot.SlotExpiresAt.ToUnixTimeMilliseconds());
            cmd.ExecuteNonQuery();
        }
    }

    public Slot? Find(string id)
    {
        lock (_lock)
        {
            using var cmd = Command("SELECT * FROM slots WHERE id = $id");
            cmd.Parameters.AddWithValue("$id", id);
            using var reader = cmd.ExecuteReader();
            return reader.Read() ? Read(reader) : null;
        }
    }

    /// <summary>
    /// What <paramref name="owner"/> holds at <paramref name="now"/>: the bytes of its stored files and
    /// open slots, and when the first of them is released (a file expires or a slot lapses).
    /// </summary>
    public (long Bytes, DateTimeOffset? FirstRelease) Usage(string owner, DateTimeOffset now)
    {
        lock (_lock)
        {
            using var cmd = Command("""
                SELECT coalesce(sum(size), 0), min(coalesce(file_expires_at, slot_expires_at)) FROM slots
                WHERE owner = $owner AND (completed_at IS NOT NULL OR slot_expires_at > $now)
                """);
            cmd.Parameters.AddWithValue("$owner", owner);
            cmd.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            using var reader = cmd.ExecuteReader();
            reader.Read();
            return (reader.GetInt64(0), reader.IsDBNull(1) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)));
        }
    }

    /// <summary>Marks the slot's file stored; false when it was already (or the slot is gone).</summary>
    public bool TryComplete(string id, DateTimeOffset completedAt, DateTimeOffset fileExpiresAt)
    {
        lock (_lock)
        {
            using var cmd = Command("UPDATE slots SET completed_at = $done, file_expires_at = $expires WHERE id = $id AND completed_at IS NULL");
            cmd.Parameters.AddWithValue("$id", id);
            cmd.Parameters.AddWithValue("$done", completedAt.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$expires", fileExpiresAt.ToUnixTimeMilliseconds());
            return cmd.ExecuteNonQuery() == 1;
        }
    }

    /// <summary>
    /// Removes, and returns, the files whose lifetime ended and the slots never used within theirs,
    /// except those <paramref name="busy"/> says an upload is writing now.
    /// </summary>
    public IReadOnlyList<Slot> RemoveExpired(DateTimeOffset now, Func<string, bool> busy)
    {
        lock (_lock)
        {
            var expired = new List<Slot>();
            using (var select = Command("""
                SELECT * FROM slots WHERE (completed_at IS NOT NULL AND file_expires_at <= $now) OR (completed_at IS NULL AND slot_expires_at <= $now)
                """))
            {
                select.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                using var reader = select.ExecuteReader();
                while (reader.Read())
                {
                    var slot = Read(reader);
                    if (!busy(slot.Id)) expired.Add(slot);
                }
            }
            if (expired.Count == 0) return expired;
            using var tx = _db.BeginTransaction();
            using var delete = Command("DELETE FROM slots WHERE id = $id");
            delete.Transaction = tx;
            var id = delete.Parameters.Add("$id", SqliteType.Text);
            foreach (var slot in expired)
            {
                id.Value = slot.Id;
                delete.ExecuteNonQuery();
            }
            tx.Commit();
            return expired;
        }
    }

    private SqliteCommand Command(string sql)
    {
        var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        return cmd;
    }

    private static Slot Read(SqliteDataReader r) => new(
        r.GetString(r.GetOrdinal("id")),
        r.GetString(r.GetOrdinal("owner")),
        r.GetString(r.GetOrdinal("file_name")),
        r.GetInt64(r.GetOrdinal("size")),
        r.GetString(r.GetOrdinal("content_type")),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(r.GetOrdinal("created_at"))),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(r.GetOrdinal("slot_expires_at"))),
        Time(r, "completed_at"),
        Time(r, "file_expires_at"));

    private static DateTimeOffset? Time(SqliteDataReader r, string column)
    {
        var i = r.GetOrdinal(column);
        return r.IsDBNull(i) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(i));
    }

    public void Dispose() => _db.Dispose();
}
