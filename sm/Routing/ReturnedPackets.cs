using System.Xml;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Protos;
using Xmpp.Sm.Core;
using Xmpp.Sm.Telemetry;

namespace Xmpp.Sm.Routing;

/// <summary>
/// A stanza sm sent for a client that never reached it: c2s returned it (undelivered: the client
/// read too slowly and was cut off, or its connection closed first), the router returned it
/// (its c2s's queue was full or the c2s gone), or sm's own link would not take it. Handled as
/// RFC 6121 §8.5.2.1.1 handles a message no resource can take: a message of type chat or normal
/// (or none) goes to offline storage, delivered at the user's next available presence; if the
/// store declines, the sender gets &lt;service-unavailable/&gt;. An iq get/set gets
/// &lt;service-unavailable/&gt; back to its sender (§8.5.3.2.3). Presence, errors, results,
/// headlines and groupchat are dropped. Every outcome is logged and counted.
/// </summary>
public sealed class ReturnedPackets(SmContext ctx, ILogger logger)
{
    public void Handle(Packet packet, string why)
    {
        switch (packet.Kind)
        {
            case "message" when packet.Type is "" or "normal" or "chat":
                if (StoreOffline(packet, why)) return;
                AnswerSender(packet, StanzaErrors.ServiceUnavailable, "error");
                return;
            case "iq" when packet.Type is "get" or "set":
                AnswerSender(packet, StanzaErrors.ServiceUnavailable, "error");
                return;
            default:
                logger.LogDebug("Undelivered {Kind}/{Type} stanza dropped ({Why})", packet.Kind, packet.Type, why);
                SmTelemetry.Undeliverable(packet.Kind, "dropped");
                return;
        }
    }

    /// <summary>Stores the message for the user it was for (its 'to', or its sender's own account when it had none).</summary>
    private bool StoreOffline(Packet packet, string why)
    {
        var recipient = packet.StanzaTo.Length > 0 ? packet.StanzaTo : packet.StanzaFrom;
        if (!Jid.TryParse(recipient, out var to) || !ctx.UserExists(to.Bare)) return false;
        var stored = new ReturnedMessage(to.Bare, packet.Stanza);
        ctx.Hooks.Raise(stored);
        if (!stored.Stored) return false;
        logger.LogInformation("Undelivered message for {User} stored offline ({Why})", to.Bare, why);
        SmTelemetry.Undeliverable(packet.Kind, "offline");
        return true;
    }

    /// <summary>An error stanza to the sender, when the sender is one of our sessions; else the stanza is dropped.</summary>
    private void AnswerSender(Packet packet, string condition, string outcome)
    {
        if (Jid.TryParse(packet.StanzaFrom, out var from) && from.IsFull && ctx.Sessions.FindFull(from) is { } sender)
        {
            try
            {
                var stanza = StanzaCodec.Parse(packet.Stanza.Span);
                ctx.ReplyError(stanza, sender, condition);
                logger.LogInformation("Undelivered {Kind} stanza answered with <{Condition}/> to {Sender}", packet.Kind, condition, from);
                SmTelemetry.Undeliverable(packet.Kind, outcome);
                return;
            }
            catch (XmlException e)
            {
                logger.LogWarning("Undelivered {Kind} stanza unreadable: {Error}", packet.Kind, e.Message);
            }
        }
        logger.LogInformation("Undelivered {Kind} stanza dropped: its sender {Sender} has no session to tell", packet.Kind, packet.StanzaFrom);
        SmTelemetry.Undeliverable(packet.Kind, "dropped");
    }
}

/// <summary>
/// A message that could not be delivered after sm sent it, offered to offline storage
/// (<see cref="Modules.Offline"/> sets <see cref="Stored"/> when it kept it).
/// </summary>
public sealed class ReturnedMessage(Jid user, ByteString stanza)
{
    public Jid User => user;
    public ByteString Stanza => stanza;
    public bool Stored { get; set; }
}
