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

    /// <summary>The hook table whose delivery filters every stanza to a session passes (<see cref="HookTable.FilterDelivery"/>).</summary>
    internal HookTable? Filters { get; set; }

    private bool Stopped(SmSession session, Xmpp.Common.Jid? from, string kind, string type) =>
        Filters is { HasDeliveryFilters: true } filters && from is not null && !filters.MayDeliver(session, from, kind, type);

    public void Send(Frame frame)
    {
        frame.From = address;
        if (frame.Trace is null && CurrentTrace is not null) frame.Trace = CurrentTrace.Clone();
        sink.Send(frame);
    }

    /// <summary>Delivers one stanza to a session: a packet frame to its c2s.</summary>
    public void ToSession(SmSession session, XElement stanza)
    {
        if (Filters is { HasDeliveryFilters: true } && (string?)stanza.Attribute("from") is { } fromText && Xmpp.Common.Jid.TryParse(fromText, out var from)
            && Stopped(session, from, stanza.Name.LocalName, (string?)stanza.Attribute("type") ?? "")) return;
        Deliver(session, UnsafeByteOperations.UnsafeWrap(StanzaCodec.ToBytes(stanza)), // a fresh array nobody else holds
            stanza.Name.LocalName, (string?)stanza.Attribute("type") ?? "",
            (string?)stanza.Attribute("to") ?? "", (string?)stanza.Attribute("from") ?? "");
    }

    /// <summary>
    /// Delivers the stanza of <paramref name="e"/> unchanged: as the bytes c2s sent when sm never
    /// needed to change them (the same immutable buffer for every recipient), else serialized.
    /// </summary>
    public void ToSession(SmSession session, StanzaEvent e)
    {
        if (e.Raw is { } raw)
        {
            if (!Stopped(session, e.From, e.Kind, e.Type)) Deliver(session, raw, e.Kind, e.Type, e.RawTo, e.Origin.FullJidText);
        }
        else ToSession(session, e.Stanza);
    }

    /// <summary>XEP-0198: numbers and keeps what goes to sessions with stream management (and holds it for detached ones).</summary>
    internal StreamManagement.StreamManagementService? Streams { get; set; }

    /// <summary>The shard view that hands stanzas for stand-in sessions (senders on other shards) back to their shard.</summary>
    internal ShardView? Shards { get; set; }

    /// <summary>Delivers stanza bytes as they are, past the delivery filters (c2s's own answer to its client, sent back numbered).</summary>
    internal void ToSessionRaw(SmSession session, ByteString stanza, string kind, string type, string to, string from) =>
        Deliver(session, stanza, kind, type, to, from);

    /// <summary>A packet frame to the session's c2s, with the hints c2s reads without parsing.</summary>
    private void Deliver(SmSession session, ByteString stanza, string kind, string type, string to, string from)
    {
        if (ShardView.IsRemote(session))
        {
            // The stand-in for a sender on another shard: the stanza goes to that shard, addressed to the sender.
            Shards!.Deliver(stanza, kind, type, to.Length > 0 ? to : session.FullJidText, from);
            return;
        }
        var packet = new Packet
        {
            C2SSession = session.C2sSession,
            SmSession = session.Id,
            Stanza = stanza,
            Kind = kind,
            Type = type,
            StanzaTo = to,
            StanzaFrom = from,
        };
        if (session.Stream is { } stream && Streams is { } streams && !streams.Number(session, stream, packet)) return; // kept for a resumption
        Send(new Frame { To = session.C2sAddress, Packet = packet });
    }

    /// <summary>A session action to a component (an answer, or an unasked ENDED).</summary>
    public void Session(string to, Session session) => Send(new Frame { To = to, Session = session });
}
