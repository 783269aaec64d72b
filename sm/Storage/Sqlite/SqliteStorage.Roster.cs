using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Xmpp.Sm.Storage.Sqlite;

public sealed partial class SqliteStorage
{
    public IReadOnlyList<RosterItem> GetRoster(string user)
    {
        using var cmd = Command("SELECT contact, name, subscription, ask, groups FROM roster_items WHERE user = $user ORDER BY contact");
        cmd.Parameters.AddWithValue("$user", user);
        using var reader = cmd.ExecuteReader();
        var items = new List<RosterItem>();
        while (reader.Read()) items.Add(ReadItem(reader));
        return items;
    }

    public RosterItem? GetItem(string user, string contact)
    {
        using var cmd = Command("SELECT contact, name, subscription, ask, groups FROM roster_items WHERE user = $user AND contact = $contact");
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

    public void PutItem(string user, RosterItem item)
    {
        using var cmd = Command("""
            INSERT OR REPLACE INTO roster_items (user, contact, name, subscription, ask, groups)
            VALUES ($user, $contact, $name, $subscription, $ask, $groups)
            """);
        cmd.Parameters.AddWithValue("$user", user);
        cmd.Parameters.AddWithValue("$contact", item.Jid);
        cmd.Parameters.AddWithValue("$name", (object?)item.Name ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$subscription", item.Subscription);
        cmd.Parameters.AddWithValue("$ask", (object?)item.Ask ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$groups", JsonSerializer.Serialize(item.Groups));
        cmd.ExecuteNonQuery();
    }

    public bool RemoveItem(string user, string contact)
    {
        using var cmd = Command("DELETE FROM roster_items WHERE user = $user AND contact = $contact");
        cmd.Parameters.AddWithValue("$user", user);
        cmd.Parameters.AddWithValue("$contact", contact);
        return cmd.ExecuteNonQuery() > 0;
    }

    private static RosterItem ReadItem(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.IsDBNull(1) ? null : reader.GetString(1),
        reader.GetString(2),
        reader.IsDBNull(3) ? null : reader.GetString(3),
        JsonSerializer.Deserialize<string[]>(reader.GetString(4)) ?? []);
}
