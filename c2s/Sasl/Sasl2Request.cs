using System.Xml.Linq;

namespace Xmpp.C2s.Sasl;

/// <summary>
/// A XEP-0388 &lt;authenticate/&gt;: the mechanism, the initial response (null: none), the
/// &lt;user-agent/&gt;, the XEP-0480 upgrade tasks asked for, a XEP-0386 bind request, and any
/// other child (inline features of other XEPs, e.g. XEP-0484 &lt;fast/&gt; or XEP-0198
/// &lt;resume/&gt;, for whoever implements them) in <see cref="Others"/>.
/// </summary>
public sealed record Sasl2Request(
    string Mechanism,
    string? InitialResponse,
    string? UserAgentId,
    string? Software,
    string? Device,
    IReadOnlyList<string> UpgradeTasks,
    Bind2Request? Bind,
    IReadOnlyList<XElement> Others)
{
    private static readonly XName InitialResponseName = XName.Get("initial-response", Sasl2Namespaces.Sasl2);
    private static readonly XName UserAgentName = XName.Get("user-agent", Sasl2Namespaces.Sasl2);

    public static Sasl2Request Parse(XElement authenticate)
    {
        var agent = authenticate.Element(UserAgentName);
        List<string> upgrades = [];
        Bind2Request? bind = null;
        List<XElement> others = [];
        foreach (var child in authenticate.Elements())
        {
            if (child.Name == XName.Get("upgrade", Sasl2Namespaces.Upgrade)) upgrades.Add(child.Value.Trim());
            else if (child.Name == XName.Get("bind", Sasl2Namespaces.Bind2)) bind ??= Bind2Request.Parse(child);
            else if (child.Name != InitialResponseName && child.Name != UserAgentName && child.Name.NamespaceName != Sasl2Namespaces.Sasl2) others.Add(child);
        }
        var id = (string?)agent?.Attribute("id");
        return new Sasl2Request(
            (string?)authenticate.Attribute("mechanism") ?? "",
            authenticate.Element(InitialResponseName)?.Value,
            string.IsNullOrWhiteSpace(id) ? null : id,
            agent?.Element(XName.Get("software", Sasl2Namespaces.Sasl2))?.Value,
            agent?.Element(XName.Get("device", Sasl2Namespaces.Sasl2))?.Value,
            upgrades, bind, others);
    }
}
