namespace Xmpp.Sm.Storage;

/// <summary>One contact in a user's roster (RFC 6121 §2.1.2).</summary>
public sealed record RosterItem(string Jid, string? Name, string Subscription, string? Ask, IReadOnlyList<string> Groups)
{
    public const string None = "none";
}

/// <summary>Users' rosters, keyed by the owner's bare JID and the contact's bare JID.</summary>
public interface IRosterStore
{
    IReadOnlyList<RosterItem> GetRoster(string user);

    RosterItem? GetItem(string user, string contact);

    int CountItems(string user);

    /// <summary>Adds or replaces the item for <see cref="RosterItem.Jid"/>.</summary>
    void PutItem(string user, RosterItem item);

    /// <summary>False if the contact was not in the roster.</summary>
    bool RemoveItem(string user, string contact);
}
