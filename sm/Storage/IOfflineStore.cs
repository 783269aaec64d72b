namespace Xmpp.Sm.Storage;

/// <summary>One message kept for a user who was offline: the stanza as received and when.</summary>
public sealed record OfflineMessage(long Id, byte[] Stanza, DateTimeOffset StoredAt);

/// <summary>How much one account may hold in offline storage: messages and stanza bytes.</summary>
public sealed record OfflineQuota(int MaxMessages, long MaxBytes);

/// <summary>Whether <see cref="IOfflineStore.TryAdd"/> kept the message, and the account's use before it.</summary>
public enum OfflineAddOutcome { Stored, TooManyMessages, TooManyBytes }

public readonly record struct OfflineAddResult(OfflineAddOutcome Outcome, int Messages, long Bytes)
{
    public bool Stored => Outcome == OfflineAddOutcome.Stored;
}

/// <summary>Messages kept for users without an available resource (XEP-0160).</summary>
public interface IOfflineStore
{
    int Count(string user);

    /// <summary>The stanza bytes the user's stored messages take.</summary>
    long Bytes(string user);

    /// <summary>
    /// Keeps the message unless the account would then hold more than the quota allows (in
    /// messages or in stanza bytes); the check and the insert are one transaction, durable when
    /// this returns.
    /// </summary>
    OfflineAddResult TryAdd(string user, byte[] stanza, DateTimeOffset storedAt, OfflineQuota quota);

    /// <summary>The user's stored messages, oldest first.</summary>
    IReadOnlyList<OfflineMessage> Load(string user);

    /// <summary>Removes the given messages (after they were delivered).</summary>
    void Remove(string user, IEnumerable<long> ids);
}
