using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common.PubSub;
using Xmpp.PubSub.Telemetry;

namespace Xmpp.PubSub.Protocol;

/// <summary>Event notifications (§7.1.2, §7.2.2, §8.4.2, §8.5.2): headline messages from the service to each subscribed JID.</summary>
public sealed partial class PubSubComponent
{
    /// <summary>The &lt;items/&gt; event of a new item: with its payload, or only its id when the node delivers no payloads.</summary>
    private static XElement ItemsEvent(string node, PubSubItem item, NodeConfig config) =>
        new(E + "items", new XAttribute("node", node),
            config.DeliverPayloads ? PubSubXml.ItemElement(item, E) : new XElement(E + "item", new XAttribute("id", item.Id)));

    /// <summary>The event to the node's subscribers that want deliveries and may read it.</summary>
    private void Notify(string node, NodeConfig config, XElement payload) =>
        Notify(engine.NotificationTargets(_domain, node, config), payload);

    private void Notify(IReadOnlyList<PubSubSubscription> targets, XElement payload)
    {
        var sent = 0;
        foreach (var subscription in targets)
            if (SendEvent(subscription.Jid, payload)) sent++;
        if (sent < targets.Count)
            logger.LogWarning("{Unsent} of {Count} notifications of node {Node} not sent: the router link would not take them", targets.Count - sent, targets.Count,
                (string?)payload.Attribute("node"));
    }

    private bool SendEvent(string to, XElement payload)
    {
        var message = new XElement(Client + "message",
            new XAttribute("from", _domain), new XAttribute("to", to), new XAttribute("type", "headline"),
            new XAttribute("id", "ps-" + Guid.NewGuid().ToString("N")[..12]),
            new XElement(E + "event", new XElement(payload)));
        if (sender.Send(message))
        {
            PubSubTelemetry.Notified(1);
            return true;
        }
        PubSubTelemetry.Unsent("link-refused");
        return false;
    }
}
