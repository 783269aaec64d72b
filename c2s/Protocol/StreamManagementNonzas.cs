using System.Globalization;
using System.Security;
using System.Xml.Linq;
using Xmpp.Common;

namespace Xmpp.C2s.Protocol;

/// <summary>XEP-0198's elements (urn:xmpp:sm:3): reading the client's, writing c2s's. No state, no I/O.</summary>
public static class StreamManagementNonzas
{
    public const string Namespace = "urn:xmpp:sm:3";

    public const string Feature = $"<sm xmlns='{Namespace}'/>";
    public const string Request = $"<r xmlns='{Namespace}'/>";

    public static bool Is(XElement element) => element.Name.NamespaceName == Namespace;

    /// <summary>An h attribute: an unsigned 32-bit count (XEP-0198 §4, it wraps at 2^32).</summary>
    public static bool TryH(XElement element, out uint h) =>
        uint.TryParse((string?)element.Attribute("h"), NumberStyles.None, CultureInfo.InvariantCulture, out h);

    /// <summary>resume='true' or '1' on &lt;enable/&gt;.</summary>
    public static bool WantsResume(XElement enable) => (string?)enable.Attribute("resume") is "true" or "1";

    /// <summary>The client's preferred max on &lt;enable/&gt; in seconds, 0 when absent or invalid.</summary>
    public static uint Max(XElement enable) =>
        uint.TryParse((string?)enable.Attribute("max"), NumberStyles.None, CultureInfo.InvariantCulture, out var max) ? max : 0;

    public static string Ack(uint h) => $"<a xmlns='{Namespace}' h='{h.ToString(CultureInfo.InvariantCulture)}'/>";

    public static string Enabled(string? resumeId, uint max) => string.IsNullOrEmpty(resumeId)
        ? $"<enabled xmlns='{Namespace}'/>"
        : $"<enabled xmlns='{Namespace}' id='{SecurityElement.Escape(resumeId)}' resume='true' max='{max.ToString(CultureInfo.InvariantCulture)}'/>";

    public static string Resumed(string previd, uint h) =>
        $"<resumed xmlns='{Namespace}' h='{h.ToString(CultureInfo.InvariantCulture)}' previd='{SecurityElement.Escape(previd)}'/>";

    /// <summary>&lt;failed/&gt; with a stanza error condition (unexpected-request, item-not-found, ...).</summary>
    public static string Failed(string condition) =>
        $"<failed xmlns='{Namespace}'><{condition} xmlns='{Ns.Stanzas}'/></failed>";
}
