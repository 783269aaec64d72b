namespace Xmpp.Common.PubSub;

/// <summary>XEP-0060 §4.5 access models the engine supports ('authorize' is not offered).</summary>
public enum AccessModel { Open, Presence, Roster, Whitelist }

/// <summary>A node affiliation (XEP-0060 §4.1) the owner can grant; the owner of a PEP service is always "owner".</summary>
public enum Affiliation { None, Member, Publisher, Outcast, Owner }

public static class PubSubNames
{
    public static string Name(this AccessModel model) => model switch
    {
        AccessModel.Open => "open",
        AccessModel.Presence => "presence",
        AccessModel.Roster => "roster",
        _ => "whitelist",
    };

    public static AccessModel? ParseAccessModel(string? text) => text switch
    {
        "open" => AccessModel.Open,
        "presence" => AccessModel.Presence,
        "roster" => AccessModel.Roster,
        "whitelist" => AccessModel.Whitelist,
        _ => null,
    };

    public static string Name(this Affiliation a) => a.ToString().ToLowerInvariant();

    public static Affiliation? ParseAffiliation(string? text) => text switch
    {
        "none" => Affiliation.None,
        "member" => Affiliation.Member,
        "publisher" => Affiliation.Publisher,
        "outcast" => Affiliation.Outcast,
        "owner" => Affiliation.Owner,
        _ => null,
    };
}

/// <summary>
/// What the requester is to the service's owner, as the access checks need it: the owner itself,
/// a presence subscriber of the owner (subscription 'from' or 'both' in the owner's roster), the
/// roster groups the owner put it in, and its affiliation with the node.
/// </summary>
public sealed record Requester(bool IsOwner, bool PresenceSubscriber, IReadOnlyCollection<string> Groups, Affiliation Affiliation = Affiliation.None)
{
    public static readonly Requester Owner = new(true, true, [], Affiliation.Owner);
    public static readonly Requester Stranger = new(false, false, []);
}

/// <summary>XEP-0060 §4.5 access checks, pure: who may retrieve a node's items and receive its notifications.</summary>
public static class AccessRules
{
    /// <summary>Null when <paramref name="who"/> may read the node, else the XEP-0060 §6.5.9 error.</summary>
    public static PubSubError? CheckRead(NodeConfig config, Requester who)
    {
        if (who.IsOwner || who.Affiliation is Affiliation.Owner or Affiliation.Publisher or Affiliation.Member) return null;
        if (who.Affiliation == Affiliation.Outcast) return PubSubError.Forbidden;
        return config.AccessModel switch
        {
            AccessModel.Open => null,
            AccessModel.Presence => who.PresenceSubscriber ? null : PubSubError.PresenceSubscriptionRequired,
            AccessModel.Roster => who.Groups.Any(g => config.RosterGroupsAllowed.Contains(g)) ? null : PubSubError.NotInRosterGroup,
            _ => PubSubError.ClosedNode,
        };
    }

    public static bool CanRead(NodeConfig config, Requester who) => CheckRead(config, who) is null;

    /// <summary>
    /// XEP-0163 §4.3 (filtered notifications): a resource gets the node's events when the node
    /// delivers notifications, its entity capabilities ask for "&lt;node&gt;+notify" and it may read the node.
    /// </summary>
    public static bool ShouldNotify(string node, NodeConfig config, Requester who, IReadOnlySet<string> features) =>
        config.DeliverNotifications && features.Contains(node + "+notify") && CanRead(config, who);
}
