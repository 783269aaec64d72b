using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Sm.Core;
using Xmpp.Sm.Routing;

namespace Xmpp.Sm.Modules.Disco;

/// <summary>
/// XEP-0030 Service Discovery, answered from what the loaded modules declared in
/// <see cref="HookTable.Disco"/> (never a hand-kept list):
/// <list type="bullet">
/// <item>the server (to = the domain): identity server/im, the server features, extension forms,
///   items (the service components the router announced under our domain, <see cref="ServiceItems"/>), nodes;</item>
/// <item>an account (to = a user's bare JID, or no 'to' at all: RFC 6120 §10.3.3), answered by sm
///   on the account's behalf: identity account/registered, the account features, items and nodes.
///   As in Prosody, only the account itself and contacts the account shares its presence with
///   (subscription 'from' or 'both') are answered; anyone else, and any JID that is no account,
///   gets &lt;service-unavailable/&gt; (RFC 6121 §8.5.1), so disco does not reveal accounts.</item>
/// </list>
/// </summary>
public sealed class DiscoModule(SmContext ctx) : IModule
{
    private static readonly XNamespace Info = Ns.DiscoInfo;
    private static readonly XNamespace Items = Ns.DiscoItems;

    public static readonly DiscoIdentity ServerIdentity = new("server", "im");
    public static readonly DiscoIdentity AccountIdentity = new("account", "registered");

    public string Name => "disco";

    public void Load(HookTable hooks)
    {
        foreach (var target in new[] { DiscoTarget.Server, DiscoTarget.Account })
        {
            hooks.Disco.AddFeature(target, Ns.DiscoInfo);
            hooks.Disco.AddFeature(target, Ns.DiscoItems);
        }
        var services = new ServiceItems(ctx.Domain);
        hooks.On<ComponentChanged>(change => services.Changed(change.Address, change.Up));
        hooks.Disco.AddItems(DiscoTarget.Server, _ => services.Elements());
        hooks.Hook($"iq-get/host/{Ns.DiscoInfo}:query", e => Answer(e, DiscoTarget.Server, items: false));
        hooks.Hook($"iq-get/host/{Ns.DiscoItems}:query", e => Answer(e, DiscoTarget.Server, items: true));
        hooks.Hook($"iq-get/bare/{Ns.DiscoInfo}:query", e => Answer(e, DiscoTarget.Account, items: false));
        hooks.Hook($"iq-get/bare/{Ns.DiscoItems}:query", e => Answer(e, DiscoTarget.Account, items: true));
    }

    private bool Answer(StanzaEvent e, DiscoTarget target, bool items)
    {
        if (target == DiscoTarget.Account && !(ctx.UserExists(e.To!.Bare) && ctx.SharesPresenceWith(e.To.Bare, e.From)))
        {
            ctx.ReplyError(e, StanzaErrors.ServiceUnavailable);
            return true;
        }
        var node = (string?)e.Payload!.Attribute("node");
        XElement? query;
        if (!string.IsNullOrEmpty(node))
            query = ctx.Hooks.Disco.Nodes(target).Select(handler => handler(e, node, items)).FirstOrDefault(q => q is not null);
        else
            query = items ? ItemsOf(e, target) : InfoOf(e, target);
        if (query is null)
            ctx.ReplyError(e, StanzaErrors.ItemNotFound);
        else
            ctx.ReplyResult(e, query);
        return true;
    }

    private XElement InfoOf(StanzaEvent e, DiscoTarget target)
    {
        var registry = ctx.Hooks.Disco;
        var query = new XElement(Info + "query");
        var identities = new List<DiscoIdentity> { target == DiscoTarget.Server ? ServerIdentity : AccountIdentity };
        identities.AddRange(registry.Identities(target).Where(i => !identities.Contains(i)));
        foreach (var identity in identities)
        {
            var element = new XElement(Info + "identity", new XAttribute("category", identity.Category), new XAttribute("type", identity.Type));
            if (identity.Name is not null) element.SetAttributeValue("name", identity.Name);
            query.Add(element);
        }
        foreach (var feature in registry.Features(target).Order(StringComparer.Ordinal))
            query.Add(new XElement(Info + "feature", new XAttribute("var", feature)));
        foreach (var form in registry.Extensions(target))
            if (form(e) is { } x) query.Add(x);
        return query;
    }

    private XElement ItemsOf(StanzaEvent e, DiscoTarget target)
    {
        var query = new XElement(Items + "query");
        foreach (var items in ctx.Hooks.Disco.Items(target))
            query.Add(items(e));
        return query;
    }
}
