namespace Xmpp.Sm.Storage;

/// <summary>
/// An inbound presence subscription request the user has not answered yet (RFC 6121 §3.1.3,
/// the "Pending In" part of a subscription state): who asked, the request as it was delivered
/// (with its status text, nick, ...), and when it arrived.
/// </summary>
public sealed record SubscriptionRequest(string Contact, byte[] Stanza, DateTimeOffset ReceivedAt);

/// <summary>Pending inbound subscription requests, keyed by the user's and the requester's bare JIDs.</summary>
public interface ISubscriptionRequestStore
{
    /// <summary>The user's unanswered requests, oldest first.</summary>
    IReadOnlyList<SubscriptionRequest> GetRequests(string user);

    bool HasRequest(string user, string contact);

    /// <summary>Keeps the request; false (and the first one kept) if one from that contact is already pending.</summary>
    bool AddRequest(string user, string contact, byte[] stanza, DateTimeOffset receivedAt);

    /// <summary>False if no request from that contact was pending.</summary>
    bool RemoveRequest(string user, string contact);
}
