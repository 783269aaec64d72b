namespace Xmpp.Sm.Storage.Postgres;

public sealed partial class PostgresStorage
{
    public IReadOnlyList<SubscriptionRequest> GetRequests(string user) => Read(() =>
    {
        using var cmd = Command("SELECT contact, stanza, received_at FROM subscription_requests WHERE \"user\" = @user ORDER BY received_at, contact COLLATE \"C\"");
        cmd.Parameters.AddWithValue("user", user);
        using var reader = cmd.ExecuteReader();
        var requests = new List<SubscriptionRequest>();
        while (reader.Read())
            requests.Add(new SubscriptionRequest(reader.GetString(0), (byte[])reader[1], ParseTime(reader.GetString(2))));
        return requests;
    });

    public bool HasRequest(string user, string contact) => Read(() =>
    {
        using var cmd = Command("SELECT 1 FROM subscription_requests WHERE \"user\" = @user AND contact = @contact");
        cmd.Parameters.AddWithValue("user", user);
        cmd.Parameters.AddWithValue("contact", contact);
        return cmd.ExecuteScalar() is not null;
    });

    public bool AddRequest(string user, string contact, byte[] stanza, DateTimeOffset receivedAt)
    {
        using var tx = Begin();
        using var cmd = Command("""
            INSERT INTO subscription_requests ("user", contact, stanza, received_at)
            VALUES (@user, @contact, @stanza, @at)
            ON CONFLICT DO NOTHING
            """);
        cmd.Parameters.AddWithValue("user", user);
        cmd.Parameters.AddWithValue("contact", contact);
        cmd.Parameters.AddWithValue("stanza", stanza);
        cmd.Parameters.AddWithValue("at", FormatTime(receivedAt));
        var added = cmd.ExecuteNonQuery() > 0;
        tx.Commit();
        return added;
    }

    public bool RemoveRequest(string user, string contact)
    {
        using var tx = Begin();
        using var cmd = Command("DELETE FROM subscription_requests WHERE \"user\" = @user AND contact = @contact");
        cmd.Parameters.AddWithValue("user", user);
        cmd.Parameters.AddWithValue("contact", contact);
        var removed = cmd.ExecuteNonQuery() > 0;
        tx.Commit();
        return removed;
    }
}
