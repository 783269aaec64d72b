using System.Xml.Linq;
using Xmpp.Common;

namespace Xmpp.Sm.Routing;

/// <summary>Small builders for the stanzas sm writes itself.</summary>
public static class Stanza
{
    public static readonly XNamespace Client = Ns.Client;

    /// <summary>The iq result to <paramref name="iq"/>: same id, addresses swapped.</summary>
    public static XElement Result(XElement iq, XElement? payload = null)
    {
        var result = new XElement(Client + "iq", new XAttribute("type", "result"));
        CopyAttribute(iq, "id", result, "id");
        CopyAttribute(iq, "from", result, "to");
        CopyAttribute(iq, "to", result, "from");
        if (payload is not null) result.Add(payload);
        return result;
    }

    /// <summary>A copy of <paramref name="stanza"/> addressed to <paramref name="to"/> (for broadcasts).</summary>
    public static XElement CopyTo(XElement stanza, Jid to)
    {
        var copy = new XElement(stanza);
        copy.SetAttributeValue("to", to.ToString());
        return copy;
    }

    private static void CopyAttribute(XElement from, string name, XElement to, string asName)
    {
        if (from.Attribute(name) is { } a) to.SetAttributeValue(asName, a.Value);
    }
}
