using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Common.Xml;

namespace Xmpp.Gateway.Protocol;

/// <summary>
/// Stanzas between the component's stream (namespace jabber:component:accept) and the server
/// (jabber:client, as sm and c2s speak it): the stanza and every descendant in the stream's default
/// namespace are moved to the other one; payload namespaces stay. And the rules a component's
/// stanza must meet (XEP-0114 §3: it addresses both ends itself).
/// </summary>
public static class ComponentStanzas
{
    public const string AcceptNamespace = "jabber:component:accept";
    private static readonly XNamespace Accept = AcceptNamespace;
    private static readonly XNamespace Client = Ns.Client;

    /// <summary>A component's stanza as the server's (renamed in place).</summary>
    public static XElement ToServer(XElement stanza) => Move(stanza, Accept, Client);

    /// <summary>The server's stanza as the component's stream carries it (renamed in place).</summary>
    public static XElement ToComponent(XElement stanza) => Move(stanza, Client, Accept);

    private static XElement Move(XElement stanza, XNamespace from, XNamespace to)
    {
        foreach (var element in stanza.DescendantsAndSelf())
            if (element.Name.Namespace == from) element.Name = to + element.Name.LocalName;
        return stanza;
    }

    /// <summary>
    /// Null when a stanza from the component attached as <paramref name="domain"/> may be routed;
    /// otherwise the stream error it earns: not a stanza (unsupported-stanza-type), a 'from' outside
    /// the domain (invalid-from), no valid 'to' (improper-addressing).
    /// </summary>
    public static string? Check(XElement stanza, string domain, out Jid? from, out Jid? to)
    {
        from = to = null;
        if (stanza.Name.Namespace != Accept || stanza.Name.LocalName is not ("message" or "presence" or "iq"))
            return StreamErrors.UnsupportedStanzaType;
        if (!Jid.TryParse((string?)stanza.Attribute("from"), out from) || !string.Equals(from.Domain, domain, StringComparison.Ordinal))
            return StreamErrors.InvalidFrom;
        if (!Jid.TryParse((string?)stanza.Attribute("to"), out to))
            return StreamErrors.ImproperAddressing;
        return null;
    }
}
