using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Xmpp.Sm.Storage.Sqlite;

public sealed partial class SqliteStorage
{
    private const string ItemColumns = "contact, name, subscription, ask, groups, approved";

    public IReadOnlyList<RosterItem> GetRoster(string user)
    {
        using var cmd = Command($"SELECT {ItemColumns} FROM roster_items WHERE user = $user ORDER BY contact");
        cmd.Parameters.AddWithValue("$user", user);
        using var reader = cmd.ExecuteReader();
        var items = new List<RosterItem>();
        while (reader.Read()) items.Add(ReadItem(reader));
        return items;
    }

    public RosterItem? GetItem(string user, string contact)
    {
        using var cmd = Command($"SELECT {ItemColumns} FROM roster_items WHERE user = $user AND contact = $contact");
        cmd.Parameters.AddWithValue("$user", user);
        cmd.Parameters.AddWithValue("$contact", contact);
        using var reader = cmd.ExecuteReader();
        return reader.Read() ? ReadItem(reader) : null;
    }

    public int CountItems(string user)
    {
        using var cmd = Command("SELECT COUNT(*) FROM roster_items WHERE user = $user");
        cmd.Parameters.AddWithValue("$user", user);
        return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    public long GetVersion(string user)
    {
        using var cmd = Command("SELECT version FROM roster_versions WHERE user = $user");
        cmd.Parameters.AddWithValue("$user", user);
        return cmd.ExecuteScalar() is { } v and not DBNull ? Convert.ToInt64(v, CultureInfo.InvariantCulture) : 0;
    }

    public long PutItem(string user, RosterItem item)
    {
        using var tx = Begin();
        using (var cmd = Command("""
            INSERT OR REPLACE INTO roster_items (user, contact, name, subscription, ask, groups, approved)
            VALUES ($user, $contact, $name, $subscription, $ask, $groups, $approved)
            """))
        {
            cmd.Parameters.AddWithValue("$user", user);
            cmd.Parameters.AddWithValue("$contact", item.Jid);
            cmd.Parameters.AddWithValue("$name", (object?)item.Name ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$subscription", item.Subscription);
            cmd.Parameters.AddWithValue("$ask", (object?)item.Ask ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$groups", JsonSerializer.Serialize(item.Groups));
            cmd.Parameters.AddWithValue("$approved", item.Approved ? 1 : 0);
            cmd.ExecuteNonQuery();
        }
        var version = BumpVersion(user);
        tx.Commit();
        return version;
    }

    public long? RemoveItem(string user, string contact)
    {
        using var tx = Begin();
        using (var cmd = Command("DELETE FROM roster_items WHERE user = $user AND contact = $contact"))
        {
            cmd.Parameters.AddWithValue("$user", user);
            cmd.Parameters.AddWithValue("$contact", contact);
            if (cmd.ExecuteNonQuery() == 0) return null;
        }
        var version = BumpVersion(user);
        tx.Commit();
        return version;
    }

    private long BumpVersion(string user)
    {
        using var cmd = Command("""
            INSERT INTO roster_versions (user, version) VALUES ($user, 1)
            ON CONFLICT (user) DO UPDATE SET version = version + 1
            RETURNING version
            """);
        cmd.Parameters.AddWithValue("$user", user);
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static RosterItem ReadItem(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.IsDBNull(1) ? null : reader.GetString(1),
        reader.GetString(2),
        reader.IsDBNull(3) ? null : reader.GetString(3),
        JsonSerializer.Deserialize<string[]>(reader.GetString(4)) ?? [],
        reader.GetInt64(5) != 0);
}
