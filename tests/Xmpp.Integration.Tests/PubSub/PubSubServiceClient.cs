using System.Xml.Linq;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xmpp.Integration.Tests.Xep0163;

namespace Xmpp.Integration.Tests.PubSub;

/// <summary>XEP-0060 requests to the pubsub service (<see cref="Cluster.PubSubDomain"/>) on top of <see cref="TestClient"/>.</summary>
public static class PubSubServiceClient
{
    private const string Service = Cluster.PubSubDomain;

    public static Task<XElement> CreateNodeAsync(this TestClient c, string? node, string configureXml = "") =>
        c.IqAsync("set", Service, $"<pubsub xmlns='{PepClient.PubSub}'><create{(node is null ? "" : $" node='{node}'")}/>{configureXml}</pubsub>");

    public static Task<XElement> PublishToAsync(this TestClient c, string node, string? itemId, string payloadXml) =>
        c.IqAsync("set", Service, $"<pubsub xmlns='{PepClient.PubSub}'><publish node='{node}'><item{(itemId is null ? "" : $" id='{itemId}'")}>{payloadXml}</item></publish></pubsub>");

    public static Task<XElement> SubscribeAsync(this TestClient c, string node, string? jid = null) =>
        c.IqAsync("set", Service, $"<pubsub xmlns='{PepClient.PubSub}'><subscribe node='{node}' jid='{jid ?? c.Jid}'/></pubsub>");

    public static Task<XElement> ItemsOfAsync(this TestClient c, string node, string extra = "") =>
        c.IqAsync("get", Service, $"<pubsub xmlns='{PepClient.PubSub}'><items node='{node}'{extra}/></pubsub>");

    public static Task<XElement> OwnerAsync(this TestClient c, string type, string requestXml) =>
        c.IqAsync(type, Service, $"<pubsub xmlns='{PepClient.PubSubOwner}'>{requestXml}</pubsub>");

    /// <summary>Waits for the service's event about <paramref name="node"/> (a headline message from the service).</summary>
    public static Task<XElement> ExpectServiceEventAsync(this TestClient c, string node, Func<XElement, bool>? also = null) =>
        c.ExpectAsync(s => s.IsMessage() && s.Attr("from") == Service && s.Attr("type") == "headline" &&
                           s.Child(PepClient.PubSubEvent, "event")?.Elements().FirstOrDefault()?.Attr("node") == node && (also?.Invoke(s) ?? true),
            what: $"an event of node {node} from {Service}");
}
