using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xmpp.Common;
using Xmpp.Common.Components;
using Xmpp.Common.PubSub;
using Xmpp.Common.Stanzas;
using Xmpp.PubSub.Telemetry;

namespace Xmpp.PubSub.Protocol;

/// <summary>
/// XEP-0060 publish-subscribe as a service on its own domain (e.g. pubsub.localhost), on the node
/// engine sm's PEP uses. Every stanza for the domain comes here one at a time: iq requests of the
/// pubsub, pubsub#owner, disco#info and disco#items namespaces are answered (from the domain);
/// event notifications go out as headline messages to each subscribed JID (bare or full, as it
/// subscribed). Presence and messages to the service are not acted on (logged at debug, counted).
/// No I/O here: stanzas go out through <see cref="IStanzaSender"/>.
/// </summary>
public sealed partial class PubSubComponent(IStanzaSender sender, PubSubService engine, IOptions<PubSubOptions> options,
    IOptions<ServiceComponentOptions> component, ILogger<PubSubComponent> logger) : IServiceComponent
{
    private static readonly XNamespace Client = Ns.Client;
    private static readonly XNamespace P = PubSubNs.P;
    private static readonly XNamespace O = PubSubNs.O;
    private static readonly XNamespace E = PubSubNs.E;
    private static readonly XNamespace DiscoInfo = Ns.DiscoInfo;
    private static readonly XNamespace DiscoItems = Ns.DiscoItems;

    /// <summary>What the service's disco#info lists (XEP-0060 §10); each is implemented and tested.</summary>
    public static readonly string[] Features =
    [
        PubSubNs.PubSub,
        PubSubNs.Feature("access-open"),
        PubSubNs.Feature("access-whitelist"),
        PubSubNs.Feature("config-node"),
        PubSubNs.Feature("create-and-configure"),
        PubSubNs.Feature("create-nodes"),
        PubSubNs.Feature("delete-items"),
        PubSubNs.Feature("delete-nodes"),
        PubSubNs.Feature("instant-nodes"),
        PubSubNs.Feature("item-ids"),
        PubSubNs.Feature("last-published"),
        PubSubNs.Feature("manage-subscriptions"),
        PubSubNs.Feature("meta-data"),
        PubSubNs.Feature("modify-affiliations"),
        PubSubNs.Feature("persistent-items"),
        PubSubNs.Feature("publish"),
        PubSubNs.Feature("publish-options"),
        PubSubNs.Feature("purge-nodes"),
        PubSubNs.Feature("retract-items"),
        PubSubNs.Feature("retrieve-affiliations"),
        PubSubNs.Feature("retrieve-default"),
        PubSubNs.Feature("retrieve-items"),
        PubSubNs.Feature("retrieve-subscriptions"),
        PubSubNs.Feature("subscribe"),
        PubSubNs.Feature("subscription-options"),
    ];

    private readonly PubSubOptions _options = options.Value;
    private readonly string _domain = component.Value.Domain;
    private readonly string _serverDomain = component.Value.ServerDomain;

    public ValueTask HandleAsync(XElement stanza, CancellationToken ct)
    {
        var type = (string?)stanza.Attribute("type") ?? "";
        if (stanza.Name.LocalName != "iq" || type is not ("get" or "set"))
        {
            // Presence (probes, subscriptions to the service), messages (errors for notifications) and iq answers: nothing to do.
            logger.LogDebug("A {Kind} of type {Type} to {Domain} not acted on", stanza.Name.LocalName, type, _domain);
            PubSubTelemetry.Ignore(stanza.Name.LocalName + (type.Length > 0 ? "/" + type : ""));
            return ValueTask.CompletedTask;
        }
        var to = Jid.Parse((string)stanza.Attribute("to")!);
        var from = Jid.Parse((string)stanza.Attribute("from")!);
        var payload = stanza.Elements().FirstOrDefault();
        if (to.Local is not null || to.Resource is not null || payload is null)
        {
            Refuse(stanza, "iq", new PubSubError(StanzaErrors.ServiceUnavailable, StanzaErrors.Cancel));
            return ValueTask.CompletedTask;
        }
        var set = type == "set";
        var request = new Request(stanza, from, payload);
        switch (payload.Name.NamespaceName, payload.Name.LocalName, set)
        {
            case (Ns.DiscoInfo, "query", false): DiscoInfoAnswer(request); break;
            case (Ns.DiscoItems, "query", false): DiscoItemsAnswer(request); break;
            case (PubSubNs.PubSub, "pubsub", false): Get(request); break;
            case (PubSubNs.PubSub, "pubsub", true): Set(request); break;
            case (PubSubNs.Owner, "pubsub", _): OwnerRequest(request, set); break;
            default: Refuse(stanza, "iq", new PubSubError(StanzaErrors.ServiceUnavailable, StanzaErrors.Cancel)); break;
        }
        return ValueTask.CompletedTask;
    }

    public void Returned(XElement stanza, string reason)
    {
        // The link logged it and counted it; an event nobody could take is not sent again (the item stays retrievable).
        if (stanza.Name.LocalName == "message") PubSubTelemetry.Unsent("returned");
    }

    /// <summary>An iq request: the stanza, its sender and its one child.</summary>
    private sealed record Request(XElement Stanza, Jid From, XElement Payload)
    {
        public string Requester => From.Bare.ToString();
    }

    private void DiscoInfoAnswer(Request r)
    {
        var node = (string?)r.Payload.Attribute("node");
        if (string.IsNullOrEmpty(node))
        {
            Reply(r, new XElement(DiscoInfo + "query",
                new XElement(DiscoInfo + "identity", new XAttribute("category", "pubsub"), new XAttribute("type", "service"), new XAttribute("name", "Publish-Subscribe")),
                new[] { Ns.DiscoInfo, Ns.DiscoItems }.Concat(Features).Select(f => new XElement(DiscoInfo + "feature", new XAttribute("var", f)))));
            return;
        }
        if (ReadableNode(r, node) is not { } config) return;
        Reply(r, new XElement(DiscoInfo + "query", new XAttribute("node", node),
            new XElement(DiscoInfo + "identity", new XAttribute("category", "pubsub"), new XAttribute("type", "leaf")),
            new XElement(DiscoInfo + "feature", new XAttribute("var", PubSubNs.PubSub)),
            MetaData(node, config)));
    }

    /// <summary>§5.4 the node's meta-data form: title, owners, access model, max items, subscribers.</summary>
    private XElement MetaData(string node, NodeConfig config)
    {
        var x = PubSubNs.X;
        XElement Field(string var, params string[] values) => new(x + "field", new XAttribute("var", var), values.Select(v => new XElement(x + "value", v)));
        var owners = engine.NodeOwners(_domain, node);
        return new XElement(x + "x", new XAttribute("type", "result"),
            new XElement(x + "field", new XAttribute("var", "FORM_TYPE"), new XAttribute("type", "hidden"), new XElement(x + "value", PubSubNs.PubSub + "#meta_data")),
            Field("pubsub#type", "leaf"),
            Field("pubsub#title", config.Title ?? ""),
            Field("pubsub#owner", [.. owners]),
            Field("pubsub#access_model", config.AccessModel.Name()),
            Field("pubsub#max_items", config.MaxItems == NodeConfig.Max ? "max" : config.MaxItems.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Field("pubsub#num_subscribers", engine.Subscribers(_domain, node).Count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    private void DiscoItemsAnswer(Request r)
    {
        var node = (string?)r.Payload.Attribute("node");
        if (string.IsNullOrEmpty(node))
        {
            // §5.2: the nodes the requester may read.
            var items = new List<XElement>();
            foreach (var name in engine.Nodes(_domain))
                if (engine.Node(_domain, name) is { } config && AccessRules.CanRead(config, engine.NodeRequester(_domain, name, r.Requester)))
                    items.Add(new XElement(DiscoItems + "item", new XAttribute("jid", _domain), new XAttribute("node", name),
                        config.Title is { Length: > 0 } title ? new XAttribute("name", title) : null));
            Reply(r, new XElement(DiscoItems + "query", items));
            return;
        }
        if (ReadableNode(r, node) is null) return;
        // §5.5: the node's items, by id.
        var ids = engine.Items(_domain, Requester.Owner, node, null, null).Value ?? [];
        Reply(r, new XElement(DiscoItems + "query", new XAttribute("node", node),
            ids.Select(i => new XElement(DiscoItems + "item", new XAttribute("jid", _domain), new XAttribute("name", i.Id)))));
    }

    /// <summary>The node's configuration when it exists and the requester may read it; else the error is answered and null returned.</summary>
    private NodeConfig? ReadableNode(Request r, string node)
    {
        if (engine.Node(_domain, node) is not { } config)
        {
            Refuse(r.Stanza, "disco", PubSubError.NodeNotFound);
            return null;
        }
        if (AccessRules.CheckRead(config, engine.NodeRequester(_domain, node, r.Requester)) is { } denied)
        {
            Refuse(r.Stanza, "disco", denied);
            return null;
        }
        return config;
    }

    private void Reply(Request r, XElement? child = null)
    {
        var reply = new XElement(Client + "iq", new XAttribute("type", "result"), new XAttribute("from", _domain), new XAttribute("to", r.From.ToString()));
        if ((string?)r.Stanza.Attribute("id") is { } id) reply.SetAttributeValue("id", id);
        if (child is not null) reply.Add(child);
        sender.Send(reply);
    }

    /// <summary>The XEP-0060 error reply, logged at debug and counted by operation and condition.</summary>
    private void Refuse(XElement stanza, string operation, PubSubError error)
    {
        logger.LogDebug("A {Operation} request from {From} refused: {Condition}", operation, (string?)stanza.Attribute("from"), error.AppCondition ?? error.Condition);
        PubSubTelemetry.Refused(operation, error);
        sender.Send(PubSubXml.ErrorReply(stanza, error));
    }

    /// <summary>The result of an engine call: true when it went through, else the error is answered.</summary>
    private bool Check<T>(Request r, string operation, PubSubResult<T> result)
    {
        if (result.Ok) return true;
        Refuse(r.Stanza, operation, result.Error!);
        return false;
    }

    private static PubSubError BadRequest(string text, string? app = null) => new(StanzaErrors.BadRequest, StanzaErrors.Modify, app, null, text);
}
