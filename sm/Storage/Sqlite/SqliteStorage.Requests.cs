using System.Globalization;

namespace Xmpp.Sm.Storage.Sqlite;

public sealed partial class SqliteStorage
{
    public IReadOnlyList<SubscriptionRequest> GetRequests(string user)
    {
        using var cmd = Command("SELECT contact, stanza, received_at FROM subscription_requests WHERE user = $user ORDER BY received_at, contact");
        cmd.Parameters.AddWithValue("$user", user);
        using var reader = cmd.ExecuteReader();
        var requests = new List<SubscriptionRequest>();
        while (reader.Read())
        {
            var at = DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
            requests.Add(new SubscriptionRequest(reader.GetString(0), (byte[])reader[1], at));
        }
        return requests;
    }

    public bool HasRequest(string user, string contact)
    {
        using var cmd = Command("SELECT 1 FROM subscription_requests WHERE user = $user AND contact = $contact");
        cmd.Parameters.AddWithValue("$user", user);
        cmd.Parameters.AddWithValue("$contact", contact);
        return cmd.ExecuteScalar() is not null;
    }

    public bool AddRequest(string user, string contact, byte[] stanza, DateTimeOffset receivedAt)
    {
        using var cmd = Command("""
            INSERT OR IGNORE INTO subscription_requests (user, contact, stanza, received_at)
            VALUES ($user, $contact, $stanza, $at)
            """);
        cmd.Parameters.AddWithValue("$user", user);
        cmd.Parameters.AddWithValue("$contact", contact);
        cmd.Parameters.AddWithValue("$stanza", stanza);
        cmd.Parameters.AddWithValue("$at", receivedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        return cmd.ExecuteNonQuery() > 0;
    }

    public bool RemoveRequest(string user, string contact)
    {
        using var cmd = Command("DELETE FROM subscription_requests WHERE user = $user AND contact = $contact");
        cmd.Parameters.AddWithValue("$user", user);
        cmd.Parameters.AddWithValue("$contact", contact);
        return cmd.ExecuteNonQuery() > 0;
    }
}
