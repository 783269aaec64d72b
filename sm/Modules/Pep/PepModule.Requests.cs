using System.Globalization;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.PubSub;
using Xmpp.Common.Stanzas;
using Xmpp.Sm.Core;
using Xmpp.Sm.Modules.Caps;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Sessions;
using Xmpp.Sm.Storage;

namespace Xmpp.Sm.Modules.Pep;

/// <summary>The XEP-0060 requests PEP answers: items, publish, retract, create, and the owner's (pubsub#owner) requests.</summary>
public sealed partial class PepModule
{
    private bool Get(StanzaEvent e)
    {
        var pubsub = e.Payload!;
        var owner = e.To!.Bare;
        if (!ctx.UserExists(owner)) return Refuse(e, new PubSubError(StanzaErrors.ServiceUnavailable, StanzaErrors.Cancel));
        if (pubsub.Element(P + "items") is not { } items)
            return Refuse(e, pubsub.Elements().FirstOrDefault() is { } other ? PubSubError.Unsupported(UnsupportedFeature(other)) : new PubSubError(StanzaErrors.BadRequest, StanzaErrors.Modify));
        var node = (string?)items.Attribute("node") ?? "";
        if (node.Length == 0) return Refuse(e, PubSubError.NodeIdRequired);
        int? max = null;
        if ((string?)items.Attribute("max_items") is { } maxText)
        {
            if (!int.TryParse(maxText, NumberStyles.None, CultureInfo.InvariantCulture, out var m) || m < 1)
                return Refuse(e, new PubSubError(StanzaErrors.BadRequest, StanzaErrors.Modify, null, null, "max_items is a positive number"));
            max = m;
        }
        var ids = items.Elements(P + "item").Select(i => (string?)i.Attribute("id")).OfType<string>().ToArray();
        var result = _engine.Items(owner.ToString(), Who(owner, e.From, node), node, max, ids);
        if (!result.Ok)
        {
            _logger.LogDebug("Items of {Owner} node {Node} refused to {Requester}: {Condition}", owner, node, e.From.Bare, result.Error!.AppCondition ?? result.Error.Condition);
            PepTelemetry.Refused("items", result.Error!);
            return Refuse(e, result.Error!);
        }
        ctx.ReplyResult(e, new XElement(P + "pubsub", ItemsAnswer(node, result.Value!)));
        return true;
    }

    /// <summary>The &lt;items/&gt; of an answer within Sm:Pep:MaxResultBytes (<see cref="PubSubXml.ItemsAnswer"/>).</summary>
    private IEnumerable<XElement> ItemsAnswer(string node, IReadOnlyList<PubSubItem> items)
    {
        var answer = PubSubXml.ItemsAnswer(node, items, _options.MaxResultBytes, out var truncated);
        if (truncated)
        {
            _logger.LogInformation("Items of node {Node}: {Kept} of {Total} returned, the rest beyond Sm:Pep:MaxResultBytes", node, answer[0].Elements().Count(), items.Count);
            PepTelemetry.Truncated();
        }
        return answer;
    }

    private bool Set(StanzaEvent e)
    {
        var pubsub = e.Payload!;
        var owner = e.To!.Bare;
        if (!ctx.UserExists(owner)) return Refuse(e, new PubSubError(StanzaErrors.ServiceUnavailable, StanzaErrors.Cancel));
        if (pubsub.Element(P + "publish") is { } publish) return Publish(e, owner, publish, pubsub.Element(P + "publish-options"));
        if (pubsub.Element(P + "retract") is { } retract) return Retract(e, owner, retract);
        if (pubsub.Element(P + "create") is { } create) return Create(e, owner, create, pubsub.Element(P + "configure"));
        return Refuse(e, pubsub.Elements().FirstOrDefault() is { } other ? PubSubError.Unsupported(UnsupportedFeature(other)) : new PubSubError(StanzaErrors.BadRequest, StanzaErrors.Modify));
    }

    private static string UnsupportedFeature(XElement request) => request.Name.LocalName switch
    {
        "subscribe" or "unsubscribe" or "options" => "subscribe",
        "subscriptions" => "retrieve-subscriptions",
        "affiliations" => "retrieve-affiliations",
        var other => other,
    };

    private bool Publish(StanzaEvent e, Jid owner, XElement publish, XElement? publishOptions)
    {
        var node = (string?)publish.Attribute("node") ?? "";
        var items = publish.Elements(P + "item").ToArray();
        if (items.Length > 1) return Refuse(e, new PubSubError(StanzaErrors.BadRequest, StanzaErrors.Modify, "invalid-payload", null, "one item per publish"));
        var item = items.FirstOrDefault();
        var payloads = item?.Elements().ToArray() ?? [];
        if (payloads.Length > 1) return Refuse(e, PubSubError.InvalidPayload);
        IReadOnlyDictionary<string, IReadOnlyList<string>>? options = null;
        if (publishOptions?.Element(PubSubNs.X + "x") is { } form)
        {
            options = NodeConfig.Fields(form, PubSubNs.PublishOptionsForm);
            if (options is null) return Refuse(e, new PubSubError(StanzaErrors.BadRequest, StanzaErrors.Modify, null, null, "publish-options need FORM_TYPE " + PubSubNs.PublishOptionsForm));
        }
        var result = _engine.Publish(owner.ToString(), Who(owner, e.From, node), node, e.From.Bare.ToString(), (string?)item?.Attribute("id"), payloads.FirstOrDefault(), options);
        if (!result.Ok)
        {
            _logger.LogInformation("Publish to {Owner} node {Node} by {Publisher} refused: {Condition}", owner, node, e.From, result.Error!.AppCondition ?? result.Error.Condition);
            PepTelemetry.Refused("publish", result.Error!);
            return Refuse(e, result.Error!);
        }
        var published = result.Value!;
        PepTelemetry.Published();
        ctx.ReplyResult(e, new XElement(P + "pubsub", new XElement(P + "publish", new XAttribute("node", node),
            new XElement(P + "item", new XAttribute("id", published.Item.Id)))));
        Notify(owner, node, published.Config, new XElement(E + "items", new XAttribute("node", node),
            published.Config.DeliverPayloads ? ItemElement(published.Item, E) : new XElement(E + "item", new XAttribute("id", published.Item.Id))));
        return true;
    }

    private bool Retract(StanzaEvent e, Jid owner, XElement retract)
    {
        var node = (string?)retract.Attribute("node") ?? "";
        if (node.Length == 0) return Refuse(e, PubSubError.NodeIdRequired);
        var id = (string?)retract.Element(P + "item")?.Attribute("id") ?? "";
        var result = _engine.Retract(owner.ToString(), Who(owner, e.From, node), node, id);
        if (!result.Ok)
        {
            PepTelemetry.Refused("retract", result.Error!);
            return Refuse(e, result.Error!);
        }
        ctx.ReplyResult(e);
        var notify = (string?)retract.Attribute("notify") is { } n ? NodeConfig.ParseBool(n) ?? false : result.Value!.NotifyRetract;
        if (notify) Notify(owner, node, result.Value!, new XElement(E + "items", new XAttribute("node", node), new XElement(E + "retract", new XAttribute("id", id))));
        return true;
    }

    private bool Create(StanzaEvent e, Jid owner, XElement create, XElement? configure)
    {
        var node = (string?)create.Attribute("node") ?? "";
        IReadOnlyDictionary<string, IReadOnlyList<string>>? options = null;
        if (configure?.Element(PubSubNs.X + "x") is { } form && (options = NodeConfig.Fields(form, PubSubNs.NodeConfigForm)) is null)
            return Refuse(e, new PubSubError(StanzaErrors.BadRequest, StanzaErrors.Modify, null, null, "the configuration needs FORM_TYPE " + PubSubNs.NodeConfigForm));
        var result = _engine.Create(owner.ToString(), Who(owner, e.From, node), node, options);
        if (!result.Ok)
        {
            PepTelemetry.Refused("create", result.Error!);
            return Refuse(e, result.Error!);
        }
        ctx.ReplyResult(e);
        return true;
    }

    /// <summary>pubsub#owner: configure (get/set), default, delete, purge, affiliations (get/set).</summary>
    private bool OwnerRequest(StanzaEvent e)
    {
        var owner = e.To!.Bare;
        if (!ctx.UserExists(owner)) return Refuse(e, new PubSubError(StanzaErrors.ServiceUnavailable, StanzaErrors.Cancel));
        if (e.From.Bare != owner) return Refuse(e, PubSubError.Forbidden);
        var request = e.Payload!.Elements().FirstOrDefault();
        var node = (string?)request?.Attribute("node") ?? "";
        var service = owner.ToString();
        var set = e.Type == "set";
        switch (request?.Name.LocalName)
        {
            case "default" when !set:
                ctx.ReplyResult(e, new XElement(O + "pubsub", new XElement(O + "default", _engine.Defaults.ToForm())));
                return true;
            case "configure" when !set:
                if (_engine.Node(service, node) is not { } config) return Refuse(e, PubSubError.NodeNotFound);
                ctx.ReplyResult(e, new XElement(O + "pubsub", new XElement(O + "configure", new XAttribute("node", node), config.ToForm())));
                return true;
            case "configure":
                var form = request!.Element(PubSubNs.X + "x");
                if ((string?)form?.Attribute("type") == "cancel")
                {
                    ctx.ReplyResult(e);
                    return true;
                }
                if (NodeConfig.Fields(form, PubSubNs.NodeConfigForm) is not { } fields)
                    return Refuse(e, new PubSubError(StanzaErrors.BadRequest, StanzaErrors.Modify, null, null, "a submitted form with FORM_TYPE " + PubSubNs.NodeConfigForm));
                return Answer(e, "configure", _engine.Configure(service, Requester.Owner, node, fields).Error);
            case "delete" when set:
                var deleted = _engine.Delete(service, Requester.Owner, node);
                if (!Answer(e, "delete", deleted.Error) || !deleted.Ok) return true;
                if (deleted.Value!.NotifyDelete) Notify(owner, node, deleted.Value, new XElement(E + "delete", new XAttribute("node", node)));
                return true;
            case "purge" when set:
                var purged = _engine.Purge(service, Requester.Owner, node);
                Answer(e, "purge", purged.Error);
                if (purged.Ok && purged.Value!.NotifyRetract) Notify(owner, node, purged.Value, new XElement(E + "purge", new XAttribute("node", node)));
                return true;
            case "affiliations" when !set:
                var list = _engine.Affiliations(service, Requester.Owner, node);
                if (!list.Ok) return Refuse(e, list.Error!);
                ctx.ReplyResult(e, new XElement(O + "pubsub", new XElement(O + "affiliations", new XAttribute("node", node),
                    new XElement(O + "affiliation", new XAttribute("jid", service), new XAttribute("affiliation", "owner")),
                    list.Value!.Select(a => new XElement(O + "affiliation", new XAttribute("jid", a.Key), new XAttribute("affiliation", a.Value.Name()))))));
                return true;
            case "affiliations":
                var changes = new List<(string, Affiliation)>();
                foreach (var a in request!.Elements(O + "affiliation"))
                {
                    if (!Jid.TryParse((string?)a.Attribute("jid") ?? "", out var jid) || PubSubNames.ParseAffiliation((string?)a.Attribute("affiliation")) is not { } affiliation)
                        return Refuse(e, new PubSubError(StanzaErrors.BadRequest, StanzaErrors.Modify, null, null, "each affiliation needs a jid and a known affiliation"));
                    changes.Add((jid!.Bare.ToString(), affiliation));
                }
                return Answer(e, "affiliations", _engine.SetAffiliations(service, Requester.Owner, node, changes).Error);
            default:
                return Refuse(e, PubSubError.Unsupported(request?.Name.LocalName ?? "owner"));
        }
    }

    private bool Answer(StanzaEvent e, string operation, PubSubError? error)
    {
        if (error is null)
        {
            ctx.ReplyResult(e);
            return true;
        }
        PepTelemetry.Refused(operation, error);
        Refuse(e, error);
        return false;
    }

    /// <summary>The XEP-0060 error reply: the RFC 6120 condition with the pubsub#errors condition beside it.</summary>
    private bool Refuse(StanzaEvent e, PubSubError error)
    {
        ctx.Reply(e, PubSubXml.ErrorReply(e.Stanza, error));
        return true;
    }
}
