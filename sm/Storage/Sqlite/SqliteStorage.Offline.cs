using System.Globalization;

namespace Xmpp.Sm.Storage.Sqlite;

public sealed partial class SqliteStorage
{
    public int Count(string user)
    {
        using var cmd = Command("SELECT COUNT(*) FROM offline_messages WHERE user = $user");
        cmd.Parameters.AddWithValue("$user", user);
        return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    public void Add(string user, byte[] stanza, DateTimeOffset storedAt)
    {
        using var cmd = Command("INSERT INTO offline_messages (user, stored_at, stanza) VALUES ($user, $at, $stanza)");
        cmd.Parameters.AddWithValue("$user", user);
        cmd.Parameters.AddWithValue("$at", storedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        cmd.Parameters.AddWithValue("$stanza", stanza);
        cmd.ExecuteNonQuery();
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
        using var tx = _db.BeginTransaction();
        using var cmd = Command("DELETE FROM offline_messages WHERE user = $user AND id = $id", tx);
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
