using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Protos;
using Xmpp.Sm.Core;
using Xmpp.Sm.Sessions;
using Xmpp.Sm.Telemetry;

namespace Xmpp.Sm.Routing;

/// <summary>
/// Takes the shard hops other shards send (protos/router.proto, ShardHop): the router gave them to
/// this shard because it owns their user, so they are handled here whatever this shard's own view of
/// the set says (no hop is ever handed on again). A stanza delivered on another shard's behalf comes
/// from a stand-in session for its sender (<see cref="ShardView.IsRemote"/>); what is sent to that
/// stand-in goes back to the sender's shard as a hop. A hop the router returns is sent once more (its
/// shard went away: the new owner takes it), then handled as undelivered.
/// </summary>
public sealed class ShardHopIntake(SmContext ctx, ReturnedPackets returned, ILogger logger)
{
    /// <summary>Hook prefix the hops fire under: "shard/&lt;kind&gt;/&lt;target&gt;" (DELIVER) and "shard/presence/probe" (PROBE).</summary>
    public const string HookPrefix = "shard/";

    public const string ProbeHook = "shard/presence/probe";

    private const int MaxAttempts = 2;

    public void Handle(Frame frame)
    {
        var packet = frame.Packet;
        var kind = packet.Hop?.Kind ?? ShardHop.Types.Kind.HopNone;
        if (kind == ShardHop.Types.Kind.Ack)
        {
            ctx.Shards.Confirmed(frame.From, packet.Hop!.Seq);
            return;
        }
        SmTelemetry.ShardHop(kind.ToString(), "received");
        try
        {
            Take(frame, packet, kind);
        }
        finally
        {
            ctx.Shards.Took(frame.From, packet.Hop!); // confirmed after what it caused, on the same link
        }
    }

    private void Take(Frame frame, Packet packet, ShardHop.Types.Kind kind)
    {
        if (!Jid.TryParse(packet.StanzaTo, out var to))
        {
            Dropped(kind, $"a hop from {frame.From} names no user");
            return;
        }
        switch (kind)
        {
            case ShardHop.Types.Kind.Deliver:
                var origin = StandIn(packet.StanzaFrom, frame.From);
                if (origin is null)
                {
                    Dropped(kind, "its sender is no JID");
                    return;
                }
                var target = to.IsFull ? TargetKind.Full : TargetKind.Bare;
                var e = packet.Kind == "iq"
                    ? new StanzaEvent(StanzaCodec.Parse(packet.Stanza.Span), origin, to, target)
                    : new StanzaEvent(packet.Stanza, packet.Kind, packet.Type, packet.StanzaTo, origin, to, target);
                ctx.Hooks.Fire($"{HookPrefix}{packet.Kind}/{target.HookName()}", e);
                break;
            case ShardHop.Types.Kind.Available:
                ctx.Hooks.Raise(new ShardAvailable(to, StanzaCodec.Parse(packet.Stanza.Span)));
                break;
            case ShardHop.Types.Kind.RosterPush:
                ctx.Hooks.Raise(new ShardRosterPush(to, StanzaCodec.Parse(packet.Stanza.Span), packet.Hop!.RosterVersion));
                break;
            case ShardHop.Types.Kind.CurrentPresence or ShardHop.Types.Kind.UnavailablePresence when Jid.TryParse(packet.Hop!.Subscriber, out var subscriber):
                ctx.Hooks.Raise(new ShardPresenceFor(to, subscriber, kind == ShardHop.Types.Kind.CurrentPresence));
                break;
            case ShardHop.Types.Kind.Probe when StandIn(packet.StanzaFrom, frame.From) is { } prober:
                ctx.Hooks.Fire(ProbeHook, new StanzaEvent(StanzaCodec.Parse(packet.Stanza.Span), prober, to, to.IsFull ? TargetKind.Full : TargetKind.Bare));
                break;
            default:
                Dropped(kind, $"an unknown or incomplete hop from {frame.From}");
                break;
        }
    }

    /// <summary>A hop the router returned: sent again (the owner went away while it was queued), else handled as undelivered.</summary>
    public void Returned(Frame frame)
    {
        var packet = frame.Packet;
        var kind = packet.Hop.Kind.ToString();
        if (frame.RouteError?.Code is RouteError.Types.Code.RouteGone or RouteError.Types.Code.RouteCongested && packet.Hop.Attempts + 1 < MaxAttempts)
        {
            packet.Hop.Attempts++;
            SmTelemetry.ShardHop(kind, "resent");
            logger.LogInformation("A {Kind} hop for {User} came back ({Code}); sent again to its owner", kind, packet.StanzaTo, frame.RouteError.Code);
            ctx.Shards.Hop(packet);
            return;
        }
        SmTelemetry.ShardHop(kind, "undelivered");
        logger.LogWarning("A {Kind} hop for {User} could not reach its shard ({Code}); handled as undelivered", kind, packet.StanzaTo, frame.RouteError?.Code);
        if (packet.Hop.Kind == ShardHop.Types.Kind.Deliver) returned.Handle(packet, "no shard took it");
    }

    /// <summary>The stand-in session for a sender on another shard: its full JID (a bare or domain sender gets a placeholder resource), owned by that shard.</summary>
    private static SmSession? StandIn(string from, string shard)
    {
        if (!Jid.TryParse(from, out var jid)) return null;
        if (!jid.IsFull && !Jid.TryParse(from + "/shard-hop", out jid)) return null;
        return new SmSession("hop", jid, shard, "");
    }

    private void Dropped(ShardHop.Types.Kind kind, string why)
    {
        SmTelemetry.ShardHop(kind.ToString(), "dropped");
        logger.LogWarning("A shard hop ({Kind}) was dropped: {Why}", kind, why);
    }
}
