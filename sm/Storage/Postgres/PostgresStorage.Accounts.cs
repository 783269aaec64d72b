using System.Globalization;
using Npgsql;
using Xmpp.Common.Sasl;

namespace Xmpp.Sm.Storage.Postgres;

public sealed partial class PostgresStorage
{
    public bool Exists(string user) => Read(() => AccountRow(user, forUpdate: false));

    /// <summary>Whether the account exists; <paramref name="forUpdate"/> also locks its row until the transaction ends (another sm process changing it waits).</summary>
    private bool AccountRow(string user, bool forUpdate)
    {
        using var cmd = Command("SELECT 1 FROM accounts WHERE \"user\" = @user" + (forUpdate ? " FOR UPDATE" : ""));
        cmd.Parameters.AddWithValue("user", user);
        return cmd.ExecuteScalar() is not null;
    }

    public bool Create(string user, IReadOnlyList<ScramCredentialData> credentials)
    {
        using var tx = Begin();
        using (var insert = Command("INSERT INTO accounts (\"user\", created_at) VALUES (@user, @now) ON CONFLICT DO NOTHING"))
        {
            insert.Parameters.AddWithValue("user", user);
            insert.Parameters.AddWithValue("now", FormatTime(DateTimeOffset.UtcNow));
            if (insert.ExecuteNonQuery() == 0) return false;
        }
        WriteCredentials(user, credentials);
        tx.Commit();
        return true;
    }

    public bool SetCredentials(string user, IReadOnlyList<ScramCredentialData> credentials)
    {
        using var tx = Begin();
        if (!AccountRow(user, forUpdate: true)) return false;
        ClearCredentials(user);
        WriteCredentials(user, credentials);
        tx.Commit();
        return true;
    }

    public bool ReplaceCredentials(string user, IReadOnlyList<ScramCredentialData> expected, IReadOnlyList<ScramCredentialData> replacement)
    {
        using var tx = Begin();
        if (!AccountRow(user, forUpdate: true) || !ScramCredentialsEquality.Same(ReadCredentials(user), expected)) return false;
        ClearCredentials(user);
        WriteCredentials(user, replacement);
        tx.Commit();
        return true;
    }

    public IReadOnlyList<ScramCredentialData>? GetCredentials(string user) =>
        Read(() => AccountRow(user, forUpdate: false) ? ReadCredentials(user) : null);

    private List<ScramCredentialData> ReadCredentials(string user)
    {
        using var cmd = Command("""
            SELECT mechanism, salt, iterations, stored_key, server_key
            FROM scram_credentials WHERE "user" = @user ORDER BY mechanism
            """);
        cmd.Parameters.AddWithValue("user", user);
        using var reader = cmd.ExecuteReader();
        var result = new List<ScramCredentialData>();
        while (reader.Read())
            result.Add(new ScramCredentialData(reader.GetString(0), (byte[])reader[1], reader.GetInt32(2), (byte[])reader[3], (byte[])reader[4]));
        return result;
    }

    public bool Delete(string user)
    {
        using var tx = Begin();
        if (!AccountRow(user, forUpdate: true)) return false;
        foreach (var table in new[] { "scram_credentials", "offline_messages", "roster_items", "subscription_requests", "accounts" })
        {
            using var delete = Command($"DELETE FROM {table} WHERE \"user\" = @user");
            delete.Parameters.AddWithValue("user", user);
            delete.ExecuteNonQuery();
        }
        // The roster version is kept and bumped, so that a client caching the old account's roster
        // never finds its version current for a new account of the same name.
        BumpVersion(user);
        tx.Commit();
        return true;
    }

    public IReadOnlyList<string> List() => Read(() =>
    {
        using var cmd = Command("SELECT \"user\" FROM accounts ORDER BY \"user\" COLLATE \"C\"");
        using var reader = cmd.ExecuteReader();
        var users = new List<string>();
        while (reader.Read()) users.Add(reader.GetString(0));
        return users;
    });

    private void ClearCredentials(string user)
    {
        using var clear = Command("DELETE FROM scram_credentials WHERE \"user\" = @user");
        clear.Parameters.AddWithValue("user", user);
        clear.ExecuteNonQuery();
    }

    private void WriteCredentials(string user, IReadOnlyList<ScramCredentialData> credentials)
    {
        foreach (var c in credentials)
        {
            using var insert = Command("""
                INSERT INTO scram_credentials ("user", mechanism, salt, iterations, stored_key, server_key)
                VALUES (@user, @mechanism, @salt, @iterations, @stored, @server)
                ON CONFLICT ("user", mechanism) DO UPDATE SET salt = excluded.salt, iterations = excluded.iterations,
                    stored_key = excluded.stored_key, server_key = excluded.server_key
                """);
            insert.Parameters.AddWithValue("user", user);
            insert.Parameters.AddWithValue("mechanism", c.Mechanism);
            insert.Parameters.AddWithValue("salt", c.Salt);
            insert.Parameters.AddWithValue("iterations", c.Iterations);
            insert.Parameters.AddWithValue("stored", c.StoredKey);
            insert.Parameters.AddWithValue("server", c.ServerKey);
            insert.ExecuteNonQuery();
        }
    }

    /// <summary>How times are stored: ISO 8601 UTC text, as on SQLite (it sorts as the times do).</summary>
    internal static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    internal static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
