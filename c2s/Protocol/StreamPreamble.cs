using System.Security;
using Xmpp.Common;

namespace Xmpp.C2s.Protocol;

/// <summary>The server's stream header and features for each negotiation stage (RFC 6120 §4.3, §5, §6, §7).</summary>
public static class StreamPreamble
{
    public static string Header(string domain, string streamId) =>
        $"<?xml version='1.0'?><stream:stream xmlns='{Ns.Client}' xmlns:stream='{Ns.Stream}' id='{streamId}' from='{SecurityElement.Escape(domain)}' version='1.0' xml:lang='en'>";

    public const string Close = "</stream:stream>";

    /// <summary>XEP-0440: SASL Channel-Binding Type Capability.</summary>
    public const string SaslChannelBindingNs = "urn:xmpp:sasl-cb:0";

    /// <param name="channelBindings">The channel binding types the -PLUS mechanisms accept here (XEP-0440); none: the element is left out.</param>
    public static string Features(StreamStage stage, bool tlsOffered, bool tlsRequired, IReadOnlyList<string> mechanisms, IEnumerable<string>? channelBindings = null, bool registration = false, bool csi = false, string? sasl2 = null, bool sm = false)
    {
        var sb = new System.Text.StringBuilder("<stream:features>");
        if (stage is StreamStage.Connected && tlsOffered)
            sb.Append($"<starttls xmlns='{Ns.Tls}'>").Append(tlsRequired ? "<required/>" : "").Append("</starttls>");
        if (stage is StreamStage.Secured || (stage is StreamStage.Connected && !tlsRequired))
        {
            sb.Append($"<mechanisms xmlns='{Ns.Sasl}'>");
            foreach (var m in mechanisms) sb.Append("<mechanism>").Append(m).Append("</mechanism>");
            sb.Append("</mechanisms>");
            if (sasl2 is not null) sb.Append(sasl2); // XEP-0388 <authentication/>, built by Sasl2Xml.Feature
            var types = channelBindings?.ToList() ?? [];
            if (types.Count > 0)
            {
                sb.Append($"<sasl-channel-binding xmlns='{SaslChannelBindingNs}'>");
                foreach (var type in types) sb.Append("<channel-binding type='").Append(SecurityElement.Escape(type)).Append("'/>");
                sb.Append("</sasl-channel-binding>");
            }
            if (registration) sb.Append(Registration.RegistrationRequest.Feature); // XEP-0077 §8
        }
        if (stage is StreamStage.Authenticated)
        {
            sb.Append($"<bind xmlns='{Ns.Bind}'/>");
            sb.Append($"<session xmlns='{Ns.Session}'><optional/></session>");
            sb.Append("<ver xmlns='urn:xmpp:features:rosterver'/>"); // RFC 6121 §2.6
            sb.Append("<sub xmlns='urn:xmpp:features:pre-approval'/>"); // RFC 6121 §3.4
            if (csi) sb.Append($"<csi xmlns='{CsiHold.Namespace}'/>"); // XEP-0352
            if (sm) sb.Append(StreamManagementNonzas.Feature); // XEP-0198
        }
        if (stage is StreamStage.Established && csi) sb.Append($"<csi xmlns='{CsiHold.Namespace}'/>"); // after SASL2 with Bind 2 (no restart)
        return sb.Append("</stream:features>").ToString();
    }
}
