using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Rfc6121;

namespace Xmpp.Integration.Tests.Xep0163;

/// <summary>
/// XEP-0115 and XEP-0163 steps on top of <see cref="TestClient"/>: announce caps in presence and
/// answer the server's disco#info query the way a client does, publish, retrieve items, wait for events.
/// </summary>
public static class PepClient
{
    public const string PubSub = "http://jabber.org/protocol/pubsub";
    public const string PubSubOwner = PubSub + "#owner";
    public const string PubSubEvent = PubSub + "#event";
    public const string PubSubErrors = PubSub + "#errors";
    public const string CapsNode = "https://example.org/test-client";
    public static readonly XNamespace P = PubSub;
    public static readonly XNamespace E = PubSubEvent;

    /// <summary>The XEP-0115 §5.1 verification string of an identity client/pc and these features (computed here, independently of the server).</summary>
    public static string Ver(IEnumerable<string> features)
    {
        var s = new StringBuilder("client/pc//test<");
        foreach (var f in features.Order(StringComparer.Ordinal)) s.Append(f).Append('<');
        return Convert.ToBase64String(SHA1.HashData(Encoding.UTF8.GetBytes(s.ToString())));
    }

    /// <summary>
    /// Sends available presence with caps for <paramref name="features"/> and, unless the server
    /// already knows that ver, answers its disco#info query; returns once the server has handled
    /// the answer (a ping came back after it), and the presence echo arrived.
    /// </summary>
    public static async Task AnnounceCapsAsync(this TestClient c, string[] features, bool expectQuery = true, string? ver = null)
    {
        var all = features.Append("http://jabber.org/protocol/disco#info").Distinct().ToArray();
        ver ??= Ver(all);
        await c.SendAsync($"<presence><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='{CapsNode}' ver='{ver}'/></presence>");
        if (expectQuery)
        {
            var query = await c.ExpectAsync(s => s.IsIq() && s.Attr("type") == "get" && s.Child("http://jabber.org/protocol/disco#info", "query")?.Attr("node") == $"{CapsNode}#{ver}",
                what: "the server's disco#info query for our caps");
            Assert.Equal(c.Jid, query.Attr("to"));
            var featureXml = string.Concat(all.Select(f => $"<feature var='{f}'/>"));
            await c.SendAsync($"<iq type='result' id='{query.Attr("id")}' to='{query.Attr("from")}'><query xmlns='http://jabber.org/protocol/disco#info' node='{CapsNode}#{ver}'>" +
                              $"<identity category='client' type='pc' name='test'/>{featureXml}</query></iq>");
        }
        await c.ExpectPresenceAsync(c.Jid);
        await c.PingServerAsync();
    }

    /// <summary>Publishes one item (payload XML) to a node of the own account, with publish-options fields when given; the answer.</summary>
    public static async Task<XElement> PublishAsync(this TestClient c, string node, string? itemId, string payloadXml, IReadOnlyDictionary<string, string>? options = null)
    {
        var id = c.NewId("pub");
        var idAttr = itemId is null ? "" : $" id='{itemId}'";
        var optionsXml = options is null ? "" :
            "<publish-options><x xmlns='jabber:x:data' type='submit'>" +
            "<field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>" +
            string.Concat(options.Select(o => $"<field var='{o.Key}'><value>{o.Value}</value></field>")) +
            "</x></publish-options>";
        await c.SendAsync($"<iq type='set' id='{id}'><pubsub xmlns='{PubSub}'><publish node='{node}'><item{idAttr}>{payloadXml}</item></publish>{optionsXml}</pubsub></iq>");
        return await c.ExpectAsync(s => s.IsIq() && s.Attr("id") == id, what: $"the answer to publish '{id}'");
    }

    /// <summary>Retrieves the items of a node of <paramref name="owner"/> (null: the own account); the answer.</summary>
    public static async Task<XElement> GetItemsAsync(this TestClient c, string? owner, string node, int? max = null)
    {
        var id = c.NewId("items");
        var to = owner is null ? "" : $" to='{owner}'";
        var maxAttr = max is null ? "" : $" max_items='{max}'";
        await c.SendAsync($"<iq type='get' id='{id}'{to}><pubsub xmlns='{PubSub}'><items node='{node}'{maxAttr}/></pubsub></iq>");
        return await c.ExpectAsync(s => s.IsIq() && s.Attr("id") == id, what: $"the answer to items '{id}'");
    }

    /// <summary>Sends an iq and returns its answer.</summary>
    public static async Task<XElement> IqAsync(this TestClient c, string type, string? to, string payloadXml)
    {
        var id = c.NewId("iq");
        var toAttr = to is null ? "" : $" to='{to}'";
        await c.SendAsync($"<iq type='{type}' id='{id}'{toAttr}>{payloadXml}</iq>");
        return await c.ExpectAsync(s => s.IsIq() && s.Attr("id") == id, what: $"the answer to iq '{id}'");
    }

    /// <summary>Whether <paramref name="s"/> is a PEP event from <paramref name="owner"/> about <paramref name="node"/>.</summary>
    public static bool IsEvent(this XElement s, string owner, string node) =>
        s.IsMessage() && s.Attr("from") == owner && s.Child(PubSubEvent, "event")?.Element(E + "items")?.Attr("node") == node;

    public static XElement? EventItem(this XElement s) => s.Child(PubSubEvent, "event")?.Element(E + "items")?.Element(E + "item");

    /// <summary>The pubsub#errors condition of an error answer, or null.</summary>
    public static string? PubSubErrorCondition(this XElement s) =>
        s.Elements().FirstOrDefault(e => e.Name.LocalName == "error")?.Elements().FirstOrDefault(e => e.Name.NamespaceName == PubSubErrors)?.Name.LocalName;
}
