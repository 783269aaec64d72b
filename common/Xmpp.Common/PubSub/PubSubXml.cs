using System.Xml.Linq;
using Xmpp.Common.Stanzas;

namespace Xmpp.Common.PubSub;

/// <summary>The XEP-0060 elements every host of the engine writes the same way: items, items answers, error replies.</summary>
public static class PubSubXml
{
    private static readonly XNamespace Rsm = "http://jabber.org/protocol/rsm";

    /// <summary>An &lt;item id publisher&gt; with its payload, in the pubsub (answers) or pubsub#event (notifications) namespace.</summary>
    public static XElement ItemElement(PubSubItem item, XNamespace ns) =>
        new(ns + "item", new XAttribute("id", item.Id), new XAttribute("publisher", item.Publisher), new XElement(item.Payload));

    /// <summary>
    /// The &lt;items/&gt; of an items answer: the newest items within <paramref name="maxBytes"/>; when
    /// some do not fit, XEP-0060 §6.5.4 (some items) with an XEP-0059 &lt;set/&gt; naming the total
    /// count, and <paramref name="truncated"/> set.
    /// </summary>
    public static IReadOnlyList<XElement> ItemsAnswer(string node, IReadOnlyList<PubSubItem> items, long maxBytes, out bool truncated)
    {
        var kept = new List<XElement>();
        var bytes = 0L;
        for (var i = items.Count - 1; i >= 0; i--)
        {
            var element = ItemElement(items[i], PubSubNs.P);
            bytes += StanzaCodec.ToBytes(element).Length;
            if (bytes > maxBytes && kept.Count > 0) break;
            kept.Add(element);
        }
        kept.Reverse();
        var answer = new List<XElement> { new(PubSubNs.P + "items", new XAttribute("node", node), kept) };
        truncated = kept.Count < items.Count;
        if (truncated)
            answer.Add(new XElement(Rsm + "set",
                new XElement(Rsm + "first", new XAttribute("index", items.Count - kept.Count), (string?)kept[0].Attribute("id")),
                new XElement(Rsm + "last", (string?)kept[^1].Attribute("id")),
                new XElement(Rsm + "count", items.Count)));
        return answer;
    }

    /// <summary>The XEP-0060 error reply to <paramref name="request"/>: the RFC 6120 condition with the pubsub#errors condition beside it.</summary>
    public static XElement ErrorReply(XElement request, PubSubError error)
    {
        var reply = StanzaErrors.Reply(request, error.Type, error.Condition, error.Text);
        if (error.AppCondition is { } app)
        {
            var condition = new XElement((XNamespace)PubSubNs.Errors + app);
            if (error.Feature is { } feature) condition.SetAttributeValue("feature", feature);
            reply.Element(request.Name.Namespace + "error")!.Add(condition);
        }
        return reply;
    }
}
