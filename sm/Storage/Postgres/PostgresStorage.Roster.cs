using System.Text.Json;
using Npgsql;

namespace Xmpp.Sm.Storage.Postgres;

public sealed partial class PostgresStorage
{
    private const string ItemColumns = "contact, name, subscription, ask, groups, approved";

    public IReadOnlyList<RosterItem> GetRoster(string user) => Read(() =>
    {
        using var cmd = Command($"SELECT {ItemColumns} FROM roster_items WHERE \"user\" = @user ORDER BY contact COLLATE \"C\"");
        cmd.Parameters.AddWithValue("user", user);
        using var reader = cmd.ExecuteReader();
        var items = new List<RosterItem>();
        while (reader.Read()) items.Add(ReadItem(reader));
        return items;
    });

    public RosterItem? GetItem(string user, string contact) => Read(() =>
    {
        using var cmd = Command($"SELECT {ItemColumns} FROM roster_items WHERE \"user\" = @user AND contact = @contact");
        cmd.Parameters.AddWithValue("user", user);
        cmd.Parameters.AddWithValue("contact", contact);
        using var reader = cmd.ExecuteReader();
        return reader.Read() ? ReadItem(reader) : null;
    });

    public int CountItems(string user) => Read(() =>
    {
        using var cmd = Command("SELECT COUNT(*) FROM roster_items WHERE \"user\" = @user");
        cmd.Parameters.AddWithValue("user", user);
        return (int)(long)cmd.ExecuteScalar()!;
    });

    public long GetVersion(string user) => Read(() =>
    {
        using var cmd = Command("SELECT version FROM roster_versions WHERE \"user\" = @user");
        cmd.Parameters.AddWithValue("user", user);
        return cmd.ExecuteScalar() is long version ? version : 0;
    });

    public long PutItem(string user, RosterItem item)
    {
        using var tx = Begin();
        using (var cmd = Command("""
            INSERT INTO roster_items ("user", contact, name, subscription, ask, groups, approved)
            VALUES (@user, @contact, @name, @subscription, @ask, @groups, @approved)
            ON CONFLICT ("user", contact) DO UPDATE SET name = excluded.name, subscription = excluded.subscription,
                ask = excluded.ask, groups = excluded.groups, approved = excluded.approved
            """))
        {
            cmd.Parameters.AddWithValue("user", user);
            cmd.Parameters.AddWithValue("contact", item.Jid);
            cmd.Parameters.AddWithValue("name", NpgsqlTypes.NpgsqlDbType.Text, (object?)item.Name ?? DBNull.Value);
            cmd.Parameters.AddWithValue("subscription", item.Subscription);
            cmd.Parameters.AddWithValue("ask", NpgsqlTypes.NpgsqlDbType.Text, (object?)item.Ask ?? DBNull.Value);
            cmd.Parameters.AddWithValue("groups", JsonSerializer.Serialize(item.Groups));
            cmd.Parameters.AddWithValue("approved", item.Approved);
            cmd.ExecuteNonQuery();
        }
        var version = BumpVersion(user);
        tx.Commit();
        return version;
    }

    public long? RemoveItem(string user, string contact)
    {
        using var tx = Begin();
        using (var cmd = Command("DELETE FROM roster_items WHERE \"user\" = @user AND contact = @contact"))
        {
            cmd.Parameters.AddWithValue("user", user);
            cmd.Parameters.AddWithValue("contact", contact);
            if (cmd.ExecuteNonQuery() == 0) return null;
        }
        var version = BumpVersion(user);
        tx.Commit();
        return version;
    }

    private long BumpVersion(string user)
    {
        using var cmd = Command("""
            INSERT INTO roster_versions ("user", version) VALUES (@user, 1)
            ON CONFLICT ("user") DO UPDATE SET version = roster_versions.version + 1
            RETURNING version
            """);
        cmd.Parameters.AddWithValue("user", user);
        return (long)cmd.ExecuteScalar()!;
    }

    private static RosterItem ReadItem(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.IsDBNull(1) ? null : reader.GetString(1),
        reader.GetString(2),
        reader.IsDBNull(3) ? null : reader.GetString(3),
        JsonSerializer.Deserialize<string[]>(reader.GetString(4)) ?? [],
        reader.GetBoolean(5));
}
