namespace Xmpp.Sm.Storage.Postgres;

public sealed partial class PostgresStorage
{
    public int Count(string user) => Read(() => Usage(user).Messages);

    public long Bytes(string user) => Read(() => Usage(user).Bytes);

    public OfflineAddResult TryAdd(string user, byte[] stanza, DateTimeOffset storedAt, OfflineQuota quota)
    {
        using var tx = Begin();
        // The user's queue is locked until the transaction ends: another sm process adding for the
        // same user at the same moment waits, so the quota check and the insert stay one step.
        var (messages, bytes) = Usage(user, lockFirst: true);
        if (messages >= quota.MaxMessages) return new(OfflineAddOutcome.TooManyMessages, messages, bytes);
        if (bytes + stanza.LongLength > quota.MaxBytes) return new(OfflineAddOutcome.TooManyBytes, messages, bytes);
        using (var cmd = Command("INSERT INTO offline_messages (\"user\", stored_at, stanza) VALUES (@user, @at, @stanza)"))
        {
            cmd.Parameters.AddWithValue("user", user);
            cmd.Parameters.AddWithValue("at", FormatTime(storedAt));
            cmd.Parameters.AddWithValue("stanza", stanza);
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
        return new(OfflineAddOutcome.Stored, messages, bytes);
    }

    /// <summary>
    /// The user's stored messages and their stanza bytes; <paramref name="lockFirst"/> first locks the
    /// user's queue until the transaction ends (a statement of its own, so the count that follows sees
    /// what a concurrent writer committed before it let go).
    /// </summary>
    private (int Messages, long Bytes) Usage(string user, bool lockFirst = false)
    {
        const string usage = "SELECT COUNT(*), COALESCE(SUM(octet_length(stanza)), 0) FROM offline_messages WHERE \"user\" = @user";
        using var cmd = Command(lockFirst ? "SELECT pg_advisory_xact_lock(hashtextextended('offline:' || @user, 0)); " + usage : usage);
        cmd.Parameters.AddWithValue("user", user);
        using var reader = cmd.ExecuteReader();
        if (lockFirst) reader.NextResult();
        reader.Read();
        return ((int)reader.GetInt64(0), reader.GetInt64(1));
    }

    public IReadOnlyList<OfflineMessage> Load(string user) => Read(() =>
    {
        using var cmd = Command("SELECT id, stanza, stored_at FROM offline_messages WHERE \"user\" = @user ORDER BY id");
        cmd.Parameters.AddWithValue("user", user);
        using var reader = cmd.ExecuteReader();
        var messages = new List<OfflineMessage>();
        while (reader.Read())
            messages.Add(new OfflineMessage(reader.GetInt64(0), (byte[])reader[1], ParseTime(reader.GetString(2))));
        return messages;
    });

    public void Remove(string user, IEnumerable<long> ids)
    {
        using var tx = Begin();
        using var cmd = Command("DELETE FROM offline_messages WHERE \"user\" = @user AND id = ANY(@ids)");
        cmd.Parameters.AddWithValue("user", user);
        cmd.Parameters.AddWithValue("ids", ids.ToArray());
        cmd.ExecuteNonQuery();
        tx.Commit();
    }
}
