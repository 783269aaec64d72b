namespace Xmpp.Sm.Routing;

/// <summary>
/// The service domains the router announced (ComponentEvent for "component/&lt;domain&gt;"): which
/// are bound now, and which were bound since sm started but are down. sm forwards stanzas for a
/// bound one to its component; a stanza for one that is down is answered &lt;service-unavailable/&gt;
/// (RFC 6120 §10.5: a domain this deployment serves, its service absent now), and one for a domain
/// never seen is a remote domain (§10.4: &lt;remote-server-not-found/&gt;, there is no s2s).
/// </summary>
public sealed class ComponentDomains
{
    public const string AddressPrefix = "component/";

    private readonly HashSet<string> _bound = new(StringComparer.Ordinal);
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    public enum State { Unknown, Bound, Down }

    /// <summary>The router address of the component serving <paramref name="domain"/>.</summary>
    public static string AddressOf(string domain) => AddressPrefix + domain;

    /// <summary>The domain named by a component address, or null for any other kind of address.</summary>
    public static string? DomainOf(string address) =>
        address.StartsWith(AddressPrefix, StringComparison.Ordinal) && address.Length > AddressPrefix.Length ? address[AddressPrefix.Length..] : null;

    public void Changed(string address, bool up)
    {
        if (DomainOf(address) is not { } domain) return;
        var key = domain.ToLowerInvariant();
        _seen.Add(key);
        if (up) _bound.Add(key);
        else _bound.Remove(key);
    }

    public State StateOf(string domain) =>
        _bound.Contains(domain) ? State.Bound : _seen.Contains(domain) ? State.Down : State.Unknown;

    public IReadOnlyCollection<string> Bound => _bound;
}
