using System.Xml.Linq;
using Xmpp.Common;

namespace Xmpp.Sm.Modules.Disco;

/// <summary>
/// The services the router knows under this server's domain: a component bound as
/// "&lt;kind&gt;/&lt;service domain&gt;" (e.g. "muc/conference.example.org") whose domain is a
/// subdomain of ours, listed by the server's disco#items (XEP-0030 §4). c2s, sm and tool links are
/// not services.
/// </summary>
public sealed class ServiceItems(string domain)
{
    private static readonly XNamespace Items = Ns.DiscoItems;
    private static readonly HashSet<string> NotServices = new(StringComparer.Ordinal) { "c2s", "sm", "ctl", "admin" };
    private readonly SortedSet<string> _services = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Services => _services;

    public void Changed(string address, bool up)
    {
        if (ServiceDomain(address, domain) is not { } service) return;
        if (up) _services.Add(service);
        else _services.Remove(service);
    }

    public IEnumerable<XElement> Elements() => _services.Select(s => new XElement(Items + "item", new XAttribute("jid", s)));

    /// <summary>The service's domain if <paramref name="address"/> names a service under <paramref name="ours"/>, else null.</summary>
    public static string? ServiceDomain(string address, string ours)
    {
        var slash = address.IndexOf('/');
        if (slash <= 0 || NotServices.Contains(address[..slash])) return null;
        if (!Jid.TryParse(address[(slash + 1)..], out var jid) || jid.Local is not null || !jid.IsBare) return null;
        var name = jid.Domain;
        return name.Length > ours.Length + 1 && name.EndsWith("." + ours, StringComparison.Ordinal) ? name : null;
    }
}
