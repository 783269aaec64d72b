namespace Xmpp.Sm.Storage.Postgres;

/// <summary>
/// XEP-0198 stream state (<see cref="IStreamStateStore"/>): tables stream_counts and stream_unacked, as on SQLite.
/// Each write is its own scope (a savepoint inside sm's group commit), as every write of this store is.
/// </summary>
public sealed partial class PostgresStorage
{
    public void SetInbound(string key, uint inbound)
    {
        using var tx = Begin();
        using var cmd = Command("INSERT INTO stream_counts (stream, inbound) VALUES (@k, @h) ON CONFLICT (stream) DO UPDATE SET inbound = excluded.inbound");
        cmd.Parameters.AddWithValue("k", key);
        cmd.Parameters.AddWithValue("h", (long)inbound);
        cmd.ExecuteNonQuery();
        tx.Commit();
    }

    public void AddUnacked(string key, uint seq, byte[] packet)
    {
        using var tx = Begin();
        using var cmd = Command("INSERT INTO stream_unacked (stream, seq, packet) VALUES (@k, @s, @p)");
        cmd.Parameters.AddWithValue("k", key);
        cmd.Parameters.AddWithValue("s", (long)seq);
        cmd.Parameters.AddWithValue("p", packet);
        cmd.ExecuteNonQuery();
        tx.Commit();
    }

    public void RemoveUnacked(string key, uint after, uint upTo)
    {
        // Serial numbers: the range may wrap past 2^32 - 1.
        var sql = after <= upTo
            ? "DELETE FROM stream_unacked WHERE stream = @k AND seq > @a AND seq <= @u"
            : "DELETE FROM stream_unacked WHERE stream = @k AND (seq > @a OR seq <= @u)";
        using var tx = Begin();
        using var cmd = Command(sql);
        cmd.Parameters.AddWithValue("k", key);
        cmd.Parameters.AddWithValue("a", (long)after);
        cmd.Parameters.AddWithValue("u", (long)upTo);
        cmd.ExecuteNonQuery();
        tx.Commit();
    }

    public void RemoveStream(string key)
    {
        using var tx = Begin();
        using var cmd = Command("DELETE FROM stream_counts WHERE stream = @k; DELETE FROM stream_unacked WHERE stream = @k");
        cmd.Parameters.AddWithValue("k", key);
        cmd.ExecuteNonQuery();
        tx.Commit();
    }

    public StoredStream? LoadStream(string key) => Read(() =>
    {
        long? inbound = null;
        using (var count = Command("SELECT inbound FROM stream_counts WHERE stream = @k"))
        {
            count.Parameters.AddWithValue("k", key);
            if (count.ExecuteScalar() is long stored) inbound = stored;
        }
        var packets = new List<byte[]>();
        using (var unacked = Command("SELECT packet FROM stream_unacked WHERE stream = @k ORDER BY id"))
        {
            unacked.Parameters.AddWithValue("k", key);
            using var reader = unacked.ExecuteReader();
            while (reader.Read()) packets.Add((byte[])reader[0]);
        }
        if (inbound is null && packets.Count == 0) return null;
        return new StoredStream(key, inbound is { } h ? (uint)h : null, packets);
    });

    public IReadOnlyList<string> StreamKeys() => Read(() =>
    {
        using var cmd = Command("SELECT stream FROM stream_counts UNION SELECT stream FROM stream_unacked");
        using var reader = cmd.ExecuteReader();
        var keys = new List<string>();
        while (reader.Read()) keys.Add(reader.GetString(0));
        return keys;
    });
}
