namespace Xmpp.Sm.Storage;

/// <summary>
/// One contact in a user's roster (RFC 6121 §2.1.2): the contact's JID, the user's name for it,
/// its groups, and the visible part of the subscription state: 'subscription' (none/to/from/both),
/// 'ask' ("subscribe" while the user's request is pending out) and 'approved' (a pre-approval, §3.4).
/// A pending inbound request is not part of the item; see <see cref="ISubscriptionRequestStore"/>.
/// </summary>
public sealed record RosterItem(string Jid, string? Name, string Subscription, string? Ask, IReadOnlyList<string> Groups, bool Approved = false)
{
    public const string None = "none";
    public const string To = "to";
    public const string From = "from";
    public const string Both = "both";
    public const string AskSubscribe = "subscribe";
}

/// <summary>
/// Users' rosters, keyed by the owner's bare JID and the contact's JID, with a roster version per
/// user (RFC 6121 §2.6): every change to a user's roster increments it, in the same transaction.
/// </summary>
public interface IRosterStore
{
    IReadOnlyList<RosterItem> GetRoster(string user);

    RosterItem? GetItem(string user, string contact);

    int CountItems(string user);

    /// <summary>The user's current roster version (0 before the first change).</summary>
    long GetVersion(string user);

    /// <summary>Adds or replaces the item for <see cref="RosterItem.Jid"/>; returns the roster's new version.</summary>
    long PutItem(string user, RosterItem item);

    /// <summary>Removes the item; returns the roster's new version, or null if the contact was not in the roster.</summary>
    long? RemoveItem(string user, string contact);
}
