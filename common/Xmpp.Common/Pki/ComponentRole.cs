namespace Xmpp.Common.Pki;

/// <summary>
/// What a component may do on the router, named by its link certificate (the subject's OU).
/// c2s: client frontends; sm: a domain's session manager; admin: xmppctl and other operator tools.
/// </summary>
public enum ComponentRole
{
    C2s,
    Sm,
    Admin,
}

public static class ComponentRoles
{
    /// <summary>The role's name as written in certificates and addresses: "c2s", "sm", "admin".</summary>
    public static string Name(this ComponentRole role) => role switch
    {
        ComponentRole.C2s => "c2s",
        ComponentRole.Sm => "sm",
        ComponentRole.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static bool TryParse(string? text, out ComponentRole role)
    {
        switch (text)
        {
            case "c2s": role = ComponentRole.C2s; return true;
            case "sm": role = ComponentRole.Sm; return true;
            case "admin": role = ComponentRole.Admin; return true;
            default: role = default; return false;
        }
    }
}
