using System.Xml.Linq;
using Google.Protobuf;
using Xmpp.Common.Stanzas;
using Xmpp.Protos;
using Xmpp.Sm.Core;

namespace Xmpp.Sm.Routing;

/// <summary>
/// Hands a stanza to the service component bound for its 'to' domain: one packet frame to
/// "component/&lt;domain&gt;" with the stanza as c2s sent it (its 'from' verified) and the routing
/// hints, no session ids (the stanza's 'from' says who sent it).
/// </summary>
public static class ComponentForwarder
{
    /// <summary>A local session's stanza (after the filters) to its component.</summary>
    public static void Forward(Outbox outbox, StanzaEvent e)
    {
        var bytes = e.Raw ?? UnsafeByteOperations.UnsafeWrap(StanzaCodec.ToBytes(e.Stanza));
        var to = e.Raw is not null ? e.RawTo : (string?)e.Stanza.Attribute("to") ?? "";
        Send(outbox, e.To!.Domain, bytes, e.Kind, e.Type, to, e.Origin.FullJidText);
    }

    /// <summary>Any stanza (one from another component, an error to one) to the component of <paramref name="domain"/>.</summary>
    public static void Forward(Outbox outbox, string domain, XElement stanza) =>
        Send(outbox, domain, UnsafeByteOperations.UnsafeWrap(StanzaCodec.ToBytes(stanza)), stanza.Name.LocalName,
            (string?)stanza.Attribute("type") ?? "", (string?)stanza.Attribute("to") ?? "", (string?)stanza.Attribute("from") ?? "");

    private static void Send(Outbox outbox, string domain, ByteString stanza, string kind, string type, string to, string from) =>
        outbox.Send(new Frame
        {
            To = ComponentDomains.AddressOf(domain),
            Packet = new Packet { Stanza = stanza, Kind = kind, Type = type, StanzaTo = to, StanzaFrom = from },
        });
}
