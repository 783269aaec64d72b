using System.Security;
using Xmpp.Common;

namespace Xmpp.C2s.Protocol;

/// <summary>The server's stream header and features for each negotiation stage (RFC 6120 §4.3, §5, §6, §7).</summary>
public static class StreamPreamble
{
    public static string Header(string domain, string streamId) =>
        $"<?xml version='1.0'?><stream:stream xmlns='{Ns.Client}' xmlns:stream='{Ns.Stream}' id='{streamId}' from='{SecurityElement.Escape(domain)}' version='1.0' xml:lang='en'>";

    public const string Close = "</stream:stream>";

    public static string Features(StreamStage stage, bool tlsOffered, bool tlsRequired, IReadOnlyList<string> mechanisms, bool csi = false)
    {
        var sb = new System.Text.StringBuilder("<stream:features>");
        if (stage is StreamStage.Connected && tlsOffered)
            sb.Append($"<starttls xmlns='{Ns.Tls}'>").Append(tlsRequired ? "<required/>" : "").Append("</starttls>");
        if (stage is StreamStage.Secured || (stage is StreamStage.Connected && !tlsRequired))
        {
            sb.Append($"<mechanisms xmlns='{Ns.Sasl}'>");
            foreach (var m in mechanisms) sb.Append("<mechanism>").Append(m).Append("</mechanism>");
            sb.Append("</mechanisms>");
        }
        if (stage is StreamStage.Authenticated)
        {
            sb.Append($"<bind xmlns='{Ns.Bind}'/>");
            sb.Append($"<session xmlns='{Ns.Session}'><optional/></session>");
            sb.Append("<ver xmlns='urn:xmpp:features:rosterver'/>"); // RFC 6121 §2.6
            sb.Append("<sub xmlns='urn:xmpp:features:pre-approval'/>"); // RFC 6121 §3.4
            if (csi) sb.Append($"<csi xmlns='{CsiHold.Namespace}'/>"); // XEP-0352
        }
        return sb.Append("</stream:features>").ToString();
    }
}
