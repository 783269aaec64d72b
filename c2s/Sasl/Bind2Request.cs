using System.Xml.Linq;
using Xmpp.C2s.Protocol;

namespace Xmpp.C2s.Sasl;

/// <summary>
/// A XEP-0386 &lt;bind xmlns='urn:xmpp:bind:0'/&gt; inside SASL2 &lt;authenticate/&gt;: the
/// client's tag and the features it asks to have enabled inline for its new session.
/// </summary>
public sealed record Bind2Request(string? Tag, bool EnableCarbons, XElement? Csi, XElement? StreamManagement, IReadOnlyList<XElement> Others)
{
    public static Bind2Request Parse(XElement bind)
    {
        var tag = bind.Element(XName.Get("tag", Sasl2Namespaces.Bind2))?.Value.Trim();
        var carbons = false;
        XElement? csi = null, sm = null;
        List<XElement> others = [];
        foreach (var child in bind.Elements())
        {
            if (child.Name.NamespaceName == Sasl2Namespaces.Bind2) continue; // <tag/>
            if (child.Name == XName.Get("enable", Sasl2Namespaces.Carbons)) carbons = true;
            else if (child.Name.NamespaceName == CsiHold.Namespace && child.Name.LocalName is "active" or "inactive") csi = child;
            else if (child.Name.NamespaceName == Sasl2Namespaces.StreamManagement && child.Name.LocalName == "enable") sm = child;
            else others.Add(child);
        }
        return new Bind2Request(string.IsNullOrEmpty(tag) ? null : tag, carbons, csi, sm, others);
    }
}
