namespace Xmpp.Muc.Protocol;

/// <summary>XEP-0045 §5.2: a user's long-lived standing in a room, ordered by privilege.</summary>
public enum Affiliation { Outcast, None, Member, Admin, Owner }

/// <summary>XEP-0045 §5.1: an occupant's role while it is in the room, ordered by privilege.</summary>
public enum Role { None, Visitor, Participant, Moderator }

public static class MucNames
{
    public static string Name(this Affiliation a) => a switch
    {
        Affiliation.Outcast => "outcast",
        Affiliation.Member => "member",
        Affiliation.Admin => "admin",
        Affiliation.Owner => "owner",
        _ => "none",
    };

    public static string Name(this Role r) => r switch
    {
        Role.Visitor => "visitor",
        Role.Participant => "participant",
        Role.Moderator => "moderator",
        _ => "none",
    };

    public static bool TryParseAffiliation(string? text, out Affiliation affiliation)
    {
        affiliation = text switch
        {
            "outcast" => Affiliation.Outcast,
            "none" => Affiliation.None,
            "member" => Affiliation.Member,
            "admin" => Affiliation.Admin,
            "owner" => Affiliation.Owner,
            _ => (Affiliation)(-1),
        };
        return affiliation >= Affiliation.Outcast;
    }

    public static bool TryParseRole(string? text, out Role role)
    {
        role = text switch
        {
            "none" => Role.None,
            "visitor" => Role.Visitor,
            "participant" => Role.Participant,
            "moderator" => Role.Moderator,
            _ => (Role)(-1),
        };
        return role >= Role.None;
    }
}
