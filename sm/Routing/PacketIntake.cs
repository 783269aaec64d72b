using System.Xml;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Protos;
using Xmpp.Sm.Core;
using Xmpp.Sm.Sessions;
using Xmpp.Sm.Telemetry;

namespace Xmpp.Sm.Routing;

/// <summary>
/// The door for packets from c2s: the packet must belong to a live session of the sending c2s
/// and its stanza must come from that session's full JID; then it goes to the router. A packet
/// c2s returns undelivered (a stanza of sm's its client never got) goes to <see cref="ReturnedPackets"/>.
/// </summary>
public sealed class PacketIntake(SessionTable sessions, SessionLifecycle lifecycle, StanzaRouter router, Outbox outbox, ILogger logger, ReturnedPackets returned,
    StreamManagement.StreamManagementService? streams = null)
{
    public const string UnknownSession = "unknown-session";

    private readonly Xmpp.Common.Link.RateLimitedCount _unknownWarnings = new();

    private static readonly XNamespace Client = Ns.Client;

    public void Handle(Frame frame)
    {
        var packet = frame.Packet;
        if (packet.Undelivered)
        {
            // A stanza of ours that c2s could not write to its client; its session may be over already.
            if (packet.HasSmSeq)
            {
                // Numbered (XEP-0198): it waits in the session's queue for a resumption, or was handled when the session ended.
                logger.LogDebug("A numbered packet #{Seq} of session {Session} came back from {From}; it stays with stream management", packet.SmSeq, packet.SmSession, frame.From);
                return;
            }
            if (frame.From.StartsWith("c2s/", StringComparison.Ordinal)) returned.Handle(packet, "returned by " + frame.From);
            else logger.LogWarning("An undelivered packet from {From}, which is not a c2s, ignored", frame.From);
            return;
        }
        var session = sessions.Find(packet.SmSession);
        if (session is null || !session.IsOwnedBy(frame.From, packet.C2SSession))
        {
            // Dropped (c2s re-attaches the session on the ENDED below, or closes the stream): logged and counted.
            SmTelemetry.UnknownSessionPacket(packet.Kind);
            if (_unknownWarnings.ShouldReport(out var count))
                logger.LogWarning("{Count} packets for sessions sm does not hold were dropped (the last: a {Kind} from {C2s} for {SmSession}/{C2sSession}); their c2s is told ENDED unknown-session",
                    count, packet.Kind, frame.From, packet.SmSession, packet.C2SSession);
            outbox.Session(frame.From, new Session
            {
                Action = Session.Types.Action.Ended,
                C2SSession = packet.C2SSession,
                SmSession = packet.SmSession,
                Failed = true,
                Reason = UnknownSession,
            });
            return;
        }
        if (packet.Loopback && (streams is null || session.Stream is null))
        {
            logger.LogWarning("A loopback packet from {From} for session {Session}, which has no stream management; dropped", frame.From, session.Id);
            return;
        }
        if (streams is not null && session.Stream is not null)
        {
            if (!streams.TakeInbound(session, packet)) return;
            if (packet.Loopback)
            {
                streams.Loopback(session, packet);
                return;
            }
        }

        // c2s checked the stanza and stamped 'from' with the session's full JID (RFC 6120 §8.1.2.1);
        // with its hints, a message or presence is routed without being parsed here.
        if (packet.Kind is "message" or "presence" && packet.StanzaFrom.Length > 0 && RawStanzaShape.IsWhole(packet.Stanza.Span, packet.Kind))
        {
            if (packet.StanzaFrom != session.FullJidText)
            {
                ForeignFrom(session);
                return;
            }
            router.Route(packet.Stanza, packet.Kind, packet.Type, packet.StanzaTo, session);
            return;
        }

        XElement stanza;
        try
        {
            stanza = StanzaCodec.Parse(packet.Stanza.Span);
        }
        catch (XmlException e)
        {
            logger.LogWarning("Dropped an unparsable stanza from session {Session}: {Error}", session.Id, e.Message);
            return;
        }
        if (stanza.Name.Namespace != Client || stanza.Name.LocalName is not ("message" or "presence" or "iq"))
        {
            logger.LogWarning("Dropped a non-stanza element {Name} from session {Session}", stanza.Name, session.Id);
            return;
        }

        // c2s stamps 'from' (RFC 6120 §8.1.2.1); anything else is a c2s fault, and the stream must go.
        if (!Jid.TryParse((string?)stanza.Attribute("from"), out var from) || from != session.FullJid)
        {
            ForeignFrom(session);
            return;
        }

        router.Route(stanza, session);
    }

    private void ForeignFrom(SmSession session)
    {
        logger.LogWarning("Session {Session} sent a stanza with a foreign 'from'; ending it", session.Id);
        lifecycle.End(session, EndReasons.InvalidFrom, tellC2s: true);
    }
}
