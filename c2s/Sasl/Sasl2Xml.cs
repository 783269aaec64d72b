using System.Security;
using System.Text;
using System.Xml.Linq;
using Xmpp.Common;

namespace Xmpp.C2s.Sasl;

/// <summary>The elements the server sends in XEP-0388 SASL2 (and XEP-0386, XEP-0480), as XML text.</summary>
public static class Sasl2Xml
{
    /// <summary>
    /// The &lt;authentication/&gt; stream feature: the mechanisms, the inline features
    /// (XEP-0386 &lt;bind/&gt; with its own inline features), and the XEP-0480 upgrade tasks.
    /// </summary>
    /// <param name="otherInline">More inline features, as XML (XEP-0484's &lt;fast/&gt;).</param>
    public static string Feature(IEnumerable<string> mechanisms, IEnumerable<string> bindInlineFeatures, IEnumerable<string> upgradeTasks, IEnumerable<string>? otherInline = null)
    {
        var sb = new StringBuilder($"<authentication xmlns='{Sasl2Namespaces.Sasl2}'>");
        foreach (var m in mechanisms) sb.Append("<mechanism>").Append(SecurityElement.Escape(m)).Append("</mechanism>");
        sb.Append($"<inline><bind xmlns='{Sasl2Namespaces.Bind2}'><inline>");
        foreach (var f in bindInlineFeatures) sb.Append("<feature var='").Append(SecurityElement.Escape(f)).Append("'/>");
        sb.Append("</inline></bind>");
        foreach (var inline in otherInline ?? []) sb.Append(inline);
        sb.Append("</inline>");
        foreach (var t in upgradeTasks) sb.Append($"<upgrade xmlns='{Sasl2Namespaces.Upgrade}'>").Append(SecurityElement.Escape(t)).Append("</upgrade>");
        return sb.Append("</authentication>").ToString();
    }

    public static string Challenge(string data) => $"<challenge xmlns='{Sasl2Namespaces.Sasl2}'>{data}</challenge>";

    /// <summary>&lt;continue/&gt; with one task (XEP-0480: one per &lt;continue/&gt;) and the mechanism's additional data, if any.</summary>
    public static string Continue(string? additionalData, string task, string? text = null) =>
        $"<continue xmlns='{Sasl2Namespaces.Sasl2}'>" + AdditionalData(additionalData) +
        $"<tasks><task>{SecurityElement.Escape(task)}</task></tasks>" + (text is null ? "" : $"<text>{SecurityElement.Escape(text)}</text>") + "</continue>";

    /// <summary>XEP-0480 §4: the salt and iteration count of a SCRAM upgrade task.</summary>
    public static string ScramUpgradeSalt(byte[] salt, int iterations) =>
        $"<task-data xmlns='{Sasl2Namespaces.Sasl2}'><salt xmlns='{Sasl2Namespaces.ScramUpgrade}' iterations='{iterations}'>{Convert.ToBase64String(salt)}</salt></task-data>";

    /// <summary>&lt;success/&gt;: additional data, the authorization identifier (a full JID after Bind 2), then extension elements (&lt;bound/&gt;, ...).</summary>
    public static string Success(string? additionalData, string authorizationIdentifier, IEnumerable<XElement>? extensions = null)
    {
        var sb = new StringBuilder($"<success xmlns='{Sasl2Namespaces.Sasl2}'>").Append(AdditionalData(additionalData))
            .Append("<authorization-identifier>").Append(SecurityElement.Escape(authorizationIdentifier)).Append("</authorization-identifier>");
        foreach (var e in extensions ?? []) sb.Append(e.ToString(SaveOptions.DisableFormatting));
        return sb.Append("</success>").ToString();
    }

    /// <summary>&lt;failure/&gt; with the RFC 6120 §6.5 condition (in its namespace) and optional text.</summary>
    public static string Failure(string condition, string? text = null) =>
        $"<failure xmlns='{Sasl2Namespaces.Sasl2}'><{condition} xmlns='{Ns.Sasl}'/>" +
        (text is null ? "" : $"<text xml:lang='en'>{SecurityElement.Escape(text)}</text>") + "</failure>";

    private static string AdditionalData(string? data) => data is null ? "" : $"<additional-data>{data}</additional-data>";
}
