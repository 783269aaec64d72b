using System.Globalization;

namespace Xmpp.Sm.Storage.Sqlite;

public sealed partial class SqliteStorage
{
    public int Count(string user) => Usage(user).Messages;

    public long Bytes(string user) => Usage(user).Bytes;

    public OfflineAddResult TryAdd(string user, byte[] stanza, DateTimeOffset storedAt, OfflineQuota quota)
    {
        using var tx = Begin();
        var (messages, bytes) = Usage(user);
        if (messages >= quota.MaxMessages) return new(OfflineAddOutcome.TooManyMessages, messages, bytes);
        if (bytes + stanza.LongLength > quota.MaxBytes) return new(OfflineAddOutcome.TooManyBytes, messages, bytes);
        using (var cmd = Command("INSERT INTO offline_messages (user, stored_at, stanza) VALUES ($user, $at, $stanza)"))
        {
            cmd.Parameters.AddWithValue("$user", user);
            cmd.Parameters.AddWithValue("$at", storedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            cmd.Parameters.AddWithValue("$stanza", stanza);
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
        return new(OfflineAddOutcome.Stored, messages, bytes);
    }

    /// <summary>The user's stored messages and their stanza bytes (length() of a blob reads no content).</summary>
    private (int Messages, long Bytes) Usage(string user)
    {
        using var cmd = Command("SELECT COUNT(*), COALESCE(SUM(LENGTH(stanza)), 0) FROM offline_messages WHERE user = $user");
        cmd.Parameters.AddWithValue("$user", user);
        using var reader = cmd.ExecuteReader();
        reader.Read();
        return (reader.GetInt32(0), reader.GetInt64(1));
    }

    public IReadOnlyList<OfflineMessage> Load(string user)
    {
        using var cmd = Command("SELECT id, stanza, stored_at FROM offline_messages WHERE user = $user ORDER BY id");
        cmd.Parameters.AddWithValue("$user", user);
        using var reader = cmd.ExecuteReader();
        var messages = new List<OfflineMessage>();
        while (reader.Read())
        {
            var at = DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
            messages.Add(new OfflineMessage(reader.GetInt64(0), (byte[])reader[1], at));
        }
        return messages;
    }

    public void Remove(string user, IEnumerable<long> ids)
    {
        using var tx = Begin();
        using var cmd = Command("DELETE FROM offline_messages WHERE user = $user AND id = $id");
        cmd.Parameters.AddWithValue("$user", user);
        var idParam = cmd.Parameters.Add("$id", Microsoft.Data.Sqlite.SqliteType.Integer);
        foreach (var id in ids)
        {
            idParam.Value = id;
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
    }
}
