using System.Globalization;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.PubSub;
using Xmpp.Common.Stanzas;
using Xmpp.PubSub.Telemetry;

namespace Xmpp.PubSub.Protocol;

/// <summary>The requests of the pubsub namespace: items, subscriptions, affiliations, options (get); create, publish, retract, subscribe, unsubscribe, options (set).</summary>
public sealed partial class PubSubComponent
{
    private const string SubscribeOptionsForm = PubSubNs.PubSub + "#subscribe_options";

    private void Get(Request r)
    {
        var pubsub = r.Payload;
        if (pubsub.Element(P + "items") is { } items) Items(r, items);
        else if (pubsub.Element(P + "subscriptions") is { } subscriptions)
        {
            var node = (string?)subscriptions.Attribute("node");
            var list = engine.SubscriptionsOf(_domain, r.Requester, node);
            if (!Check(r, "subscriptions", list)) return;
            Reply(r, new XElement(P + "pubsub", new XElement(P + "subscriptions", node is null ? null : new XAttribute("node", node),
                list.Value!.Select(s => SubscriptionElement(P, s)))));
        }
        else if (pubsub.Element(P + "affiliations") is { } affiliations)
        {
            var node = (string?)affiliations.Attribute("node");
            var list = engine.AffiliationsOf(_domain, r.Requester, node);
            if (!Check(r, "affiliations", list)) return;
            Reply(r, new XElement(P + "pubsub", new XElement(P + "affiliations", node is null ? null : new XAttribute("node", node),
                list.Value!.Select(a => new XElement(P + "affiliation", new XAttribute("node", a.Node), new XAttribute("affiliation", a.Affiliation.Name()))))));
        }
        else if (pubsub.Element(P + "options") is { } options) GetOptions(r, options);
        else if (pubsub.Element(P + "default") is not null)
            Reply(r, new XElement(P + "pubsub", new XElement(P + "default", OptionsForm(new PubSubSubscription("", "")))));
        else Unsupported(r);
    }

    private void Set(Request r)
    {
        var pubsub = r.Payload;
        if (pubsub.Element(P + "publish") is { } publish) Publish(r, publish, pubsub.Element(P + "publish-options"));
        else if (pubsub.Element(P + "retract") is { } retract) Retract(r, retract);
        else if (pubsub.Element(P + "subscribe") is { } subscribe) Subscribe(r, subscribe, pubsub.Element(P + "options"));
        else if (pubsub.Element(P + "unsubscribe") is { } unsubscribe) Unsubscribe(r, unsubscribe);
        else if (pubsub.Element(P + "create") is { } create) Create(r, create, pubsub.Element(P + "configure"));
        else if (pubsub.Element(P + "options") is { } options) SetOptions(r, options);
        else Unsupported(r);
    }

    private void Unsupported(Request r)
    {
        if (r.Payload.Elements().FirstOrDefault() is { } other) Refuse(r.Stanza, "pubsub", PubSubError.Unsupported(other.Name.LocalName));
        else Refuse(r.Stanza, "pubsub", BadRequest("an empty pubsub request"));
    }

    private void Items(Request r, XElement items)
    {
        var node = (string?)items.Attribute("node") ?? "";
        if (node.Length == 0)
        {
            Refuse(r.Stanza, "items", PubSubError.NodeIdRequired);
            return;
        }
        int? max = null;
        if ((string?)items.Attribute("max_items") is { } maxText)
        {
            if (!int.TryParse(maxText, NumberStyles.None, CultureInfo.InvariantCulture, out var m) || m < 1)
            {
                Refuse(r.Stanza, "items", BadRequest("max_items is a positive number"));
                return;
            }
            max = m;
        }
        var ids = items.Elements(P + "item").Select(i => (string?)i.Attribute("id")).OfType<string>().ToArray();
        var result = engine.Items(_domain, engine.NodeRequester(_domain, node, r.Requester), node, max, ids);
        if (!Check(r, "items", result)) return;
        var answer = PubSubXml.ItemsAnswer(node, result.Value!, _options.MaxResultBytes, out var truncated);
        if (truncated)
        {
            logger.LogInformation("Items of node {Node}: {Kept} of {Total} returned, the rest beyond PubSub:MaxResultBytes", node, answer[0].Elements().Count(), result.Value!.Count);
            PubSubTelemetry.Truncated();
        }
        Reply(r, new XElement(P + "pubsub", answer));
    }

    private void Create(Request r, XElement create, XElement? configure)
    {
        var node = (string?)create.Attribute("node") ?? "";
        IReadOnlyDictionary<string, IReadOnlyList<string>>? options = null;
        if (configure?.Element(PubSubNs.X + "x") is { } form && (options = NodeConfig.Fields(form, PubSubNs.NodeConfigForm)) is null)
        {
            Refuse(r.Stanza, "create", BadRequest("the configuration needs FORM_TYPE " + PubSubNs.NodeConfigForm));
            return;
        }
        // §8.1.3: who may create is the service's policy (PubSub:LocalCreatorsOnly); the creator owns the node.
        var allowed = !_options.LocalCreatorsOnly || string.Equals(r.From.Domain, _serverDomain, StringComparison.Ordinal);
        var result = engine.Create(_domain, allowed ? Requester.Owner : Requester.Stranger, node, options, owner: r.Requester);
        if (!Check(r, "create", result)) return;
        logger.LogInformation("Node {Node} created by {Owner}", result.Value!.Node, r.Requester);
        Reply(r, new XElement(P + "pubsub", new XElement(P + "create", new XAttribute("node", result.Value!.Node))));
    }

    private void Publish(Request r, XElement publish, XElement? publishOptions)
    {
        var node = (string?)publish.Attribute("node") ?? "";
        var items = publish.Elements(P + "item").ToArray();
        if (items.Length > 1)
        {
            Refuse(r.Stanza, "publish", BadRequest("one item per publish", "invalid-payload"));
            return;
        }
        var item = items.FirstOrDefault();
        var payloads = item?.Elements().ToArray() ?? [];
        if (payloads.Length > 1)
        {
            Refuse(r.Stanza, "publish", PubSubError.InvalidPayload);
            return;
        }
        IReadOnlyDictionary<string, IReadOnlyList<string>>? options = null;
        if (publishOptions?.Element(PubSubNs.X + "x") is { } form && (options = NodeConfig.Fields(form, PubSubNs.PublishOptionsForm)) is null)
        {
            Refuse(r.Stanza, "publish", BadRequest("publish-options need FORM_TYPE " + PubSubNs.PublishOptionsForm));
            return;
        }
        var result = engine.Publish(_domain, engine.NodeRequester(_domain, node, r.Requester), node, r.Requester, (string?)item?.Attribute("id"), payloads.FirstOrDefault(), options);
        if (!Check(r, "publish", result)) return;
        var published = result.Value!;
        PubSubTelemetry.Published();
        Reply(r, new XElement(P + "pubsub", new XElement(P + "publish", new XAttribute("node", node),
            new XElement(P + "item", new XAttribute("id", published.Item.Id)))));
        Notify(node, published.Config, ItemsEvent(node, published.Item, published.Config));
    }

    private void Retract(Request r, XElement retract)
    {
        var node = (string?)retract.Attribute("node") ?? "";
        if (node.Length == 0)
        {
            Refuse(r.Stanza, "retract", PubSubError.NodeIdRequired);
            return;
        }
        var id = (string?)retract.Element(P + "item")?.Attribute("id") ?? "";
        var result = engine.Retract(_domain, engine.NodeRequester(_domain, node, r.Requester), node, id);
        if (!Check(r, "retract", result)) return;
        Reply(r);
        var notify = (string?)retract.Attribute("notify") is { } n ? NodeConfig.ParseBool(n) ?? false : result.Value!.NotifyRetract;
        if (notify) Notify(node, result.Value!, new XElement(E + "items", new XAttribute("node", node), new XElement(E + "retract", new XAttribute("id", id))));
    }

    private void Subscribe(Request r, XElement subscribe, XElement? options)
    {
        var node = (string?)subscribe.Attribute("node") ?? "";
        if (SubscriberJid(r, subscribe, "subscribe", mayBeOthers: false) is not { } jid) return;
        var result = engine.Subscribe(_domain, engine.NodeRequester(_domain, node, r.Requester), node, jid.ToString());
        if (!Check(r, "subscribe", result)) return;
        var subscription = result.Value!.Subscription;
        // §6.3.7 subscribe and configure: the options go with the request.
        if (options?.Element(PubSubNs.X + "x") is { } form)
        {
            if (NodeConfig.Fields(form, SubscribeOptionsForm) is not { } fields)
            {
                Refuse(r.Stanza, "subscribe", BadRequest("subscription options need FORM_TYPE " + SubscribeOptionsForm, "invalid-options"));
                return;
            }
            var set = engine.SetOptions(_domain, node, jid.ToString(), fields);
            if (!Check(r, "subscribe", set)) return;
            subscription = set.Value!;
        }
        logger.LogDebug("{Jid} subscribed to node {Node}", jid, node);
        Reply(r, new XElement(P + "pubsub", SubscriptionElement(P, subscription)));
        // §6.1.7: the last published item, right after the result.
        if (result.Value!.LastItem is { } last && subscription.Deliver)
            SendEvent(subscription.Jid, ItemsEvent(node, last, result.Value!.Config));
    }

    private void Unsubscribe(Request r, XElement unsubscribe)
    {
        var node = (string?)unsubscribe.Attribute("node") ?? "";
        if (SubscriberJid(r, unsubscribe, "unsubscribe", mayBeOthers: true, node) is not { } jid) return;
        if (!Check(r, "unsubscribe", engine.Unsubscribe(_domain, node, jid.ToString()))) return;
        logger.LogDebug("{Jid} unsubscribed from node {Node}", jid, node);
        Reply(r);
    }

    private void GetOptions(Request r, XElement options)
    {
        var node = (string?)options.Attribute("node") ?? "";
        if (SubscriberJid(r, options, "options", mayBeOthers: true, node) is not { } jid) return;
        var subscription = engine.SubscriptionOf(_domain, node, jid.ToString());
        if (!Check(r, "options", subscription)) return;
        Reply(r, new XElement(P + "pubsub", new XElement(P + "options", new XAttribute("node", node), new XAttribute("jid", jid.ToString()),
            OptionsForm(subscription.Value!))));
    }

    private void SetOptions(Request r, XElement options)
    {
        var node = (string?)options.Attribute("node") ?? "";
        if (SubscriberJid(r, options, "options", mayBeOthers: true, node) is not { } jid) return;
        if (NodeConfig.Fields(options.Element(PubSubNs.X + "x"), SubscribeOptionsForm) is not { } fields)
        {
            Refuse(r.Stanza, "options", BadRequest("a submitted form with FORM_TYPE " + SubscribeOptionsForm, "invalid-options"));
            return;
        }
        if (Check(r, "options", engine.SetOptions(_domain, node, jid.ToString(), fields))) Reply(r);
    }

    /// <summary>
    /// The 'jid' of a subscribe, unsubscribe or options request: required (required (§6.1.3.? jid-required),lt;jid-required/required (§6.1.3.? jid-required),gt;),
    /// the requester's own bare or full JID (else &lt;invalid-jid/&gt;, §6.1.3.1), or anyone's for an
    /// owner of the node where <paramref name="mayBeOthers"/> (§6.2.3.3: else &lt;forbidden/&gt;).
    /// </summary>
    private Jid? SubscriberJid(Request r, XElement request, string operation, bool mayBeOthers, string? node = null)
    {
        if (!Jid.TryParse((string?)request.Attribute("jid"), out var jid))
        {
            Refuse(r.Stanza, operation, BadRequest("the request needs a valid 'jid'", "jid-required"));
            return null;
        }
        if (jid.Bare.ToString() == r.Requester) return jid;
        if (!mayBeOthers)
        {
            Refuse(r.Stanza, operation, PubSubError.InvalidJid);
            return null;
        }
        if (node is { Length: > 0 } && engine.Node(_domain, node) is not null && engine.NodeRequester(_domain, node, r.Requester).IsOwner) return jid;
        Refuse(r.Stanza, operation, engine.Node(_domain, node ?? "") is null ? PubSubError.NodeNotFound : PubSubError.Forbidden);
        return null;
    }

    private static XElement SubscriptionElement(XNamespace ns, PubSubSubscription s) =>
        new(ns + "subscription", new XAttribute("node", s.Node), new XAttribute("jid", s.Jid), new XAttribute("subscription", "subscribed"));

    /// <summary>§6.3 the subscription options form: pubsub#deliver, the one option this service keeps.</summary>
    private static XElement OptionsForm(PubSubSubscription s)
    {
        var x = PubSubNs.X;
        return new XElement(x + "x", new XAttribute("type", "form"),
            new XElement(x + "field", new XAttribute("var", "FORM_TYPE"), new XAttribute("type", "hidden"), new XElement(x + "value", SubscribeOptionsForm)),
            new XElement(x + "field", new XAttribute("var", "pubsub#deliver"), new XAttribute("type", "boolean"),
                new XAttribute("label", "Enable delivery?"), new XElement(x + "value", s.Deliver ? "1" : "0")));
    }
}
