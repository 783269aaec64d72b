namespace Xmpp.Sm.Modules.ExternalServices;

/// <summary>
/// XEP-0215 settings, bound from "Sm:ExternalServices": the STUN/TURN servers offered to the
/// domain's users, e.g. <c>Sm__ExternalServices__Services__0__Type=turn</c>, <c>..._Host</c>,
/// <c>..._Port</c>, <c>..._Transport</c>, <c>..._Secret</c>. None configured: the feature is not announced.
/// </summary>
public sealed class ExternalServicesOptions
{
    public List<ExternalService> Services { get; set; } = [];

    /// <summary>Seconds credentials made from a shared secret stay valid (the 'expires' attribute).</summary>
    public int CredentialsTtlSeconds { get; set; } = 86400;
}

/// <summary>One service of XEP-0215 §2 (type, host, port, transport), with fixed credentials or a TURN REST shared secret.</summary>
public sealed class ExternalService
{
    /// <summary>stun, turn, stuns, turns (the XEP's registry).</summary>
    public string Type { get; set; } = "stun";
    public string Host { get; set; } = "";
    public int Port { get; set; }
    /// <summary>udp or tcp; empty: not said.</summary>
    public string Transport { get; set; } = "";
    /// <summary>A human-readable name, optional.</summary>
    public string Name { get; set; } = "";
    /// <summary>Fixed credentials (sent in the list, as the XEP allows for non-restricted services).</summary>
    public string Username { get; set; } = "";
    public string Password { get; set; } = "";
    /// <summary>
    /// The TURN server's shared secret (coturn's static-auth-secret, "TURN REST API"): each user
    /// gets a username "&lt;expiry&gt;:&lt;user&gt;" and its HMAC-SHA1 as password, valid for CredentialsTtlSeconds.
    /// </summary>
    public string Secret { get; set; } = "";
}
