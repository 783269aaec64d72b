using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.PubSub;

namespace Xmpp.PubSub.Protocol;

/// <summary>The pubsub#owner requests (§8): default, configure (get/set), delete, purge, subscriptions and affiliations (get/set); only a node's owners may.</summary>
public sealed partial class PubSubComponent
{
    private void OwnerRequest(Request r, bool set)
    {
        var request = r.Payload.Elements().FirstOrDefault();
        var operation = request?.Name.LocalName ?? "owner";
        if (request is null || request.Name.Namespace != O)
        {
            Refuse(r.Stanza, "owner", BadRequest("an empty pubsub#owner request"));
            return;
        }
        if (operation == "default" && !set)
        {
            Reply(r, new XElement(O + "pubsub", new XElement(O + "default", engine.ConfigForm(engine.Defaults))));
            return;
        }
        var node = (string?)request.Attribute("node") ?? "";
        if (operation is not ("configure" or "delete" or "purge" or "subscriptions" or "affiliations"))
        {
            Refuse(r.Stanza, "owner", PubSubError.Unsupported(operation));
            return;
        }
        if (node.Length == 0)
        {
            Refuse(r.Stanza, operation, PubSubError.NodeIdRequired);
            return;
        }
        if (engine.Node(_domain, node) is not { } config)
        {
            Refuse(r.Stanza, operation, PubSubError.NodeNotFound);
            return;
        }
        var who = engine.NodeRequester(_domain, node, r.Requester);
        if (!who.IsOwner)
        {
            Refuse(r.Stanza, operation, PubSubError.Forbidden);
            return;
        }
        switch (operation, set)
        {
            case ("configure", false):
                Reply(r, new XElement(O + "pubsub", new XElement(O + "configure", new XAttribute("node", node), engine.ConfigForm(config))));
                break;
            case ("configure", true):
                Configure(r, who, node, request);
                break;
            case ("delete", true):
                // §8.4.2: the subscribers learn of it; they are gone with the node afterwards.
                var subscribers = engine.Subscribers(_domain, node);
                if (!Check(r, "delete", engine.Delete(_domain, who, node))) return;
                logger.LogInformation("Node {Node} deleted by {Owner}", node, r.Requester);
                Reply(r);
                if (config.NotifyDelete) Notify(subscribers, new XElement(E + "delete", new XAttribute("node", node)));
                break;
            case ("purge", true):
                if (!Check(r, "purge", engine.Purge(_domain, who, node))) return;
                Reply(r);
                if (config.NotifyRetract) Notify(node, config, new XElement(E + "purge", new XAttribute("node", node)));
                break;
            case ("subscriptions", false):
                var subscriptions = engine.Subscriptions(_domain, who, node);
                if (!Check(r, "subscriptions", subscriptions)) return;
                Reply(r, new XElement(O + "pubsub", new XElement(O + "subscriptions", new XAttribute("node", node),
                    subscriptions.Value!.Select(s => new XElement(O + "subscription", new XAttribute("jid", s.Jid), new XAttribute("subscription", "subscribed"))))));
                break;
            case ("subscriptions", true):
                SetSubscriptions(r, who, node, request);
                break;
            case ("affiliations", false):
                var affiliations = engine.Affiliations(_domain, who, node);
                if (!Check(r, "affiliations", affiliations)) return;
                Reply(r, new XElement(O + "pubsub", new XElement(O + "affiliations", new XAttribute("node", node),
                    affiliations.Value!.Select(a => new XElement(O + "affiliation", new XAttribute("jid", a.Key), new XAttribute("affiliation", a.Value.Name()))))));
                break;
            case ("affiliations", true):
                SetAffiliations(r, who, node, request);
                break;
            default:
                Refuse(r.Stanza, operation, BadRequest($"{operation} is not a{(set ? " set" : " get")} request"));
                break;
        }
    }

    private void Configure(Request r, Requester who, string node, XElement request)
    {
        var form = request.Element(PubSubNs.X + "x");
        if ((string?)form?.Attribute("type") == "cancel")
        {
            Reply(r);
            return;
        }
        if (NodeConfig.Fields(form, PubSubNs.NodeConfigForm) is not { } fields)
        {
            Refuse(r.Stanza, "configure", BadRequest("a submitted form with FORM_TYPE " + PubSubNs.NodeConfigForm));
            return;
        }
        if (Check(r, "configure", engine.Configure(_domain, who, node, fields))) Reply(r);
    }

    private void SetSubscriptions(Request r, Requester who, string node, XElement request)
    {
        var changes = new List<(string, bool)>();
        foreach (var s in request.Elements(O + "subscription"))
        {
            var state = (string?)s.Attribute("subscription");
            if (!Jid.TryParse((string?)s.Attribute("jid"), out var jid) || state is not ("subscribed" or "none"))
            {
                Refuse(r.Stanza, "subscriptions", BadRequest("each subscription needs a jid and the state 'subscribed' or 'none'"));
                return;
            }
            changes.Add((jid.ToString(), state == "subscribed"));
        }
        if (Check(r, "subscriptions", engine.SetSubscriptions(_domain, who, node, changes))) Reply(r);
    }

    private void SetAffiliations(Request r, Requester who, string node, XElement request)
    {
        var changes = new List<(string, Affiliation)>();
        foreach (var a in request.Elements(O + "affiliation"))
        {
            if (!Jid.TryParse((string?)a.Attribute("jid"), out var jid) || PubSubNames.ParseAffiliation((string?)a.Attribute("affiliation")) is not { } affiliation)
            {
                Refuse(r.Stanza, "affiliations", BadRequest("each affiliation needs a jid and a known affiliation"));
                return;
            }
            changes.Add((jid.Bare.ToString(), affiliation));
        }
        if (Check(r, "affiliations", engine.SetAffiliations(_domain, who, node, changes))) Reply(r);
    }
}
