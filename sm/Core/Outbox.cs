using System.Xml.Linq;
using Google.Protobuf;
using Xmpp.Common.Stanzas;
using Xmpp.Protos;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Sessions;

namespace Xmpp.Sm.Core;

/// <summary>
/// Builds and sends sm's frames: stamps sm's address and the trace context of the frame being
/// processed (so one trace covers every hop), fills packet hints.
/// </summary>
public sealed class Outbox(IFrameSink sink, string address)
{
    /// <summary>Trace context of the incoming frame being handled; copied onto frames it causes.</summary>
    internal TraceContext? CurrentTrace { get; set; }

    public string Address => address;

    public void Send(Frame frame)
    {
        frame.From = address;
        if (frame.Trace is null && CurrentTrace is not null) frame.Trace = CurrentTrace.Clone();
        sink.Send(frame);
    }

    /// <summary>Delivers one stanza to a session: a packet frame to its c2s.</summary>
    public void ToSession(SmSession session, XElement stanza)
    {
        var packet = new Packet
        {
            C2SSession = session.C2sSession,
            SmSession = session.Id,
            Stanza = UnsafeByteOperations.UnsafeWrap(StanzaCodec.ToBytes(stanza)), // a fresh array nobody else holds
            Kind = stanza.Name.LocalName,
            Type = (string?)stanza.Attribute("type") ?? "",
            StanzaTo = (string?)stanza.Attribute("to") ?? "",
            StanzaFrom = (string?)stanza.Attribute("from") ?? "",
        };
        Send(new Frame { To = session.C2sAddress, Packet = packet });
    }

    /// <summary>
    /// Delivers the stanza of <paramref name="e"/> unchanged: as the bytes c2s sent when sm never
    /// needed to change them (the same immutable buffer for every recipient), else serialized.
    /// </summary>
    public void ToSession(SmSession session, StanzaEvent e)
    {
        if (e.Raw is not { } raw)
        {
            ToSession(session, e.Stanza);
            return;
        }
        var packet = new Packet
        {
            C2SSession = session.C2sSession,
            SmSession = session.Id,
            Stanza = raw,
            Kind = e.Kind,
            Type = e.Type,
            StanzaTo = e.RawTo,
            StanzaFrom = e.Origin.FullJidText,
        };
        Send(new Frame { To = session.C2sAddress, Packet = packet });
    }

    /// <summary>A session action to a component (an answer, or an unasked ENDED).</summary>
    public void Session(string to, Session session) => Send(new Frame { To = to, Session = session });
}
