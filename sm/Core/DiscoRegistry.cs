using System.Xml.Linq;
using Xmpp.Sm.Routing;

namespace Xmpp.Sm.Core;

/// <summary>Whom a disco declaration is about: the server (the domain JID) or every account (a user's bare JID).</summary>
public enum DiscoTarget { Server, Account }

/// <summary>A XEP-0030 identity (category/type registry values, optional human-readable name).</summary>
public sealed record DiscoIdentity(string Category, string Type, string? Name = null);

/// <summary>
/// Answers disco#info or disco#items for a node a module owns (<paramref name="items"/>: which
/// one is asked): the whole &lt;query/&gt; element to return, or null when the node is not this
/// module's (the next handler is asked; none: &lt;item-not-found/&gt;).
/// </summary>
public delegate XElement? DiscoNodeHandler(StanzaEvent e, string node, bool items);

/// <summary>
/// What XEP-0030 shows of the server and of accounts, declared by the modules at load (never a
/// hand-kept list): features, identities, XEP-0128 extension forms, items, and node handlers.
/// The Disco module answers from it. Features and identities are listed in declaration order
/// without duplicates; providers are asked per query (answers may depend on who asks).
/// </summary>
public sealed class DiscoRegistry
{
    private readonly Dictionary<DiscoTarget, Declarations> _of = new()
    {
        [DiscoTarget.Server] = new(),
        [DiscoTarget.Account] = new(),
    };

    private sealed class Declarations
    {
        public readonly List<string> Features = [];
        public readonly List<DiscoIdentity> Identities = [];
        public readonly List<Func<StanzaEvent, XElement?>> Extensions = [];
        public readonly List<Func<StanzaEvent, IEnumerable<XElement>>> Items = [];
        public readonly List<DiscoNodeHandler> Nodes = [];
    }

    /// <summary>A disco#info feature ('var').</summary>
    public void AddFeature(DiscoTarget target, string feature)
    {
        var features = _of[target].Features;
        if (!features.Contains(feature)) features.Add(feature);
    }

    public void AddServerFeature(string feature) => AddFeature(DiscoTarget.Server, feature);

    public void AddAccountFeature(string feature) => AddFeature(DiscoTarget.Account, feature);

    /// <summary>An identity beside the built-in one (server/im for the server, account/registered for accounts).</summary>
    public void AddIdentity(DiscoTarget target, DiscoIdentity identity)
    {
        var identities = _of[target].Identities;
        if (!identities.Contains(identity)) identities.Add(identity);
    }

    /// <summary>A XEP-0128 data form (&lt;x xmlns='jabber:x:data' type='result'/&gt;) added to disco#info, or null to add none for this query.</summary>
    public void AddExtension(DiscoTarget target, Func<StanzaEvent, XElement?> form) => _of[target].Extensions.Add(form);

    /// <summary>&lt;item/&gt; elements (disco#items namespace) listed by a node-less disco#items query.</summary>
    public void AddItems(DiscoTarget target, Func<StanzaEvent, IEnumerable<XElement>> items) => _of[target].Items.Add(items);

    /// <summary>A handler for disco queries that name a node.</summary>
    public void AddNodes(DiscoTarget target, DiscoNodeHandler handler) => _of[target].Nodes.Add(handler);

    public IReadOnlyList<string> Features(DiscoTarget target) => _of[target].Features;

    public IReadOnlyList<DiscoIdentity> Identities(DiscoTarget target) => _of[target].Identities;

    public IReadOnlyList<Func<StanzaEvent, XElement?>> Extensions(DiscoTarget target) => _of[target].Extensions;

    public IReadOnlyList<Func<StanzaEvent, IEnumerable<XElement>>> Items(DiscoTarget target) => _of[target].Items;

    public IReadOnlyList<DiscoNodeHandler> Nodes(DiscoTarget target) => _of[target].Nodes;
}
