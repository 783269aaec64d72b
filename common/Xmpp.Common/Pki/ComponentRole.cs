namespace Xmpp.Common.Pki;

/// <summary>
/// What a component may do on the router, named by its link certificate (the subject's OU).
/// c2s: client frontends; sm: a domain's session manager; admin: xmppctl and other operator tools;
/// component: a service on a domain of its own (CN "component/conference.example.org"), bound as
/// that address, or an external XEP-0114 component attached through the gateway with it.
/// </summary>
public enum ComponentRole
{
    C2s,
    Sm,
    Admin,
    Component,
}

public static class ComponentRoles
{
    /// <summary>The role's name as written in certificates and addresses: "c2s", "sm", "admin".</summary>
    public static string Name(this ComponentRole role) => role switch
    {
        ComponentRole.C2s => "c2s",
        ComponentRole.Sm => "sm",
        ComponentRole.Admin => "admin",
        ComponentRole.Component => "component",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static bool TryParse(string? text, out ComponentRole role)
    {
        switch (text)
        {
            case "c2s": role = ComponentRole.C2s; return true;
            case "sm": role = ComponentRole.Sm; return true;
            case "admin": role = ComponentRole.Admin; return true;
            case "component": role = ComponentRole.Component; return true;
            default: role = default; return false;
        }
    }
}
