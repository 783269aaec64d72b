namespace Xmpp.Sm.Storage;

/// <summary>One message kept for a user who was offline: the stanza as received and when.</summary>
public sealed record OfflineMessage(long Id, byte[] Stanza, DateTimeOffset StoredAt);

/// <summary>Messages kept for users without an available resource (XEP-0160).</summary>
public interface IOfflineStore
{
    int Count(string user);

    void Add(string user, byte[] stanza, DateTimeOffset storedAt);

    /// <summary>The user's stored messages, oldest first.</summary>
    IReadOnlyList<OfflineMessage> Load(string user);

    /// <summary>Removes the given messages (after they were delivered).</summary>
    void Remove(string user, IEnumerable<long> ids);
}
