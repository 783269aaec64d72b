using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Sm.Core;
using Xmpp.Sm.Routing;

namespace Xmpp.Sm.Modules;

/// <summary>
/// XEP-0030 Service Discovery for the server: its identity and the features the loaded modules
/// declared (never a hand-kept list); no items yet.
/// </summary>
public sealed class Disco(SmContext ctx) : IModule
{
    private static readonly XNamespace Info = Ns.DiscoInfo;
    private static readonly XNamespace Items = Ns.DiscoItems;

    public string Name => "disco";

    public void Load(HookTable hooks)
    {
        hooks.AddFeature(Ns.DiscoInfo);
        hooks.AddFeature(Ns.DiscoItems);
        hooks.Hook($"iq-get/host/{Ns.DiscoInfo}:query", e => Answer(e, ServerInfo(hooks)));
        hooks.Hook($"iq-get/host/{Ns.DiscoItems}:query", e => Answer(e, new XElement(Items + "query")));
    }

    private bool Answer(StanzaEvent e, XElement query)
    {
        if (e.Payload!.Attribute("node") is not null)
            ctx.ReplyError(e, StanzaErrors.ItemNotFound); // no nodes yet
        else
            ctx.ReplyResult(e, query);
        return true;
    }

    private static XElement ServerInfo(HookTable hooks)
    {
        var query = new XElement(Info + "query",
            new XElement(Info + "identity", new XAttribute("category", "server"), new XAttribute("type", "im")));
        foreach (var feature in hooks.Features.Order(StringComparer.Ordinal))
            query.Add(new XElement(Info + "feature", new XAttribute("var", feature)));
        return query;
    }
}
