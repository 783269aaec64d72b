using System.Globalization;
using System.Security;
using System.Text;
using System.Xml.Linq;
using Xmpp.Common.Sasl;

namespace Xmpp.C2s.Sasl;

/// <summary>The elements of XEP-0484 FAST the server sends: the inline feature and the issued token.</summary>
public static class FastXml
{
    public const string Namespace = "urn:xmpp:fast:0";

    /// <summary>
    /// The SASL2 inline feature: <c>&lt;fast xmlns='urn:xmpp:fast:0'&gt;&lt;mechanism&gt;HT-SHA-256-ENDP&lt;/mechanism&gt;...&lt;/fast&gt;</c>,
    /// strongest first. No 'tls-0rtt': .NET's TLS stacks here take no TLS 1.3 early data.
    /// </summary>
    public static string Feature(IEnumerable<HtMechanism> mechanisms)
    {
        var sb = new StringBuilder($"<fast xmlns='{Namespace}'>");
        foreach (var m in mechanisms) sb.Append("<mechanism>").Append(SecurityElement.Escape(m.Name)).Append("</mechanism>");
        return sb.Append("</fast>").ToString();
    }

    /// <summary>&lt;token xmlns='urn:xmpp:fast:0' expiry='2020-03-12T14:36:15Z' token='...'/&gt; for SASL2's &lt;success/&gt; (expiry in XEP-0082's DateTime profile).</summary>
    public static XElement Token(FastIssuedToken issued) =>
        new(XName.Get("token", Namespace),
            new XAttribute("expiry", issued.Expiry.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
            new XAttribute("token", issued.Token));
}
