using Xmpp.Common.Stanzas;
using Xmpp.Sm.Core;
using Xmpp.Sm.Routing;

namespace Xmpp.Sm.Modules;

/// <summary>
/// RFC 6121 §8.5: delivery of stanzas addressed to local users that no feature module claimed.
/// Runs last. A message nobody can take now is offered to "message/offline/handle" (see
/// <see cref="Offline"/>); if that declines, the sender gets &lt;service-unavailable/&gt;.
/// </summary>
public sealed class Delivery(SmContext ctx) : IModule
{
    /// <summary>Fired for a message that no resource can take now; a handler stores it or declines.</summary>
    public const string OfflineHook = "message/offline/handle";

    public string Name => "delivery";

    public void Load(HookTable hooks)
    {
        hooks.Hook("message/full", e => Handover(e) || MessageToFull(e));
        hooks.Hook("message/bare", e => Handover(e) || MessageToBare(e));
        hooks.Hook("iq/full", e => Handover(e) || IqToFull(e));
        hooks.Hook("iq/bare", IqToBare);
        hooks.Hook("presence/full", e => Handover(e) || PresenceToFull(e));
        hooks.Hook("presence/bare", e => Handover(e) || PresenceToBare(e));
        // sm shards: what another shard hands over for a user of this one (ShardHop DELIVER), delivered by the same rules.
        var shard = Routing.ShardHopIntake.HookPrefix;
        hooks.Hook(shard + "message/full", MessageToFull);
        hooks.Hook(shard + "message/bare", MessageToBare);
        hooks.Hook(shard + "iq/full", IqToFull);
        hooks.Hook(shard + "presence/full", PresenceToFull);
        hooks.Hook(shard + "presence/bare", PresenceToBare);
    }

    /// <summary>
    /// sm shards: a stanza from a session of this shard for a user another shard owns goes to that
    /// shard (the sender's side is done: filters, archive, carbons), which delivers it.
    /// </summary>
    private bool Handover(StanzaEvent e)
    {
        if (ctx.Shards.Owns(e.To!) || Core.ShardView.IsRemote(e.Origin)) return false;
        if (e.Raw is { } raw) ctx.Shards.Deliver(raw, e.Kind, e.Type, e.RawTo, e.Origin.FullJidText);
        else ctx.Shards.Deliver(Google.Protobuf.UnsafeByteOperations.UnsafeWrap(StanzaCodec.ToBytes(e.Stanza)), e.Kind, e.Type,
            (string?)e.Stanza.Attribute("to") ?? e.To!.ToString(), (string?)e.Stanza.Attribute("from") ?? e.Origin.FullJidText);
        return true;
    }

    /// <summary>RFC 6121 §5.2.2: a missing or unknown message type means "normal".</summary>
    private static string MessageType(StanzaEvent e) =>
        e.Type is "chat" or "groupchat" or "headline" or "error" ? e.Type : "normal";

    // §8.5.3.1: a connected resource with that exact full JID gets it (whatever its priority or
    // availability); §8.5.3.2.1 otherwise: chat is handled as if sent to the bare JID (the
    // most available resources, else offline storage); normal and groupchat are refused
    // (the RFC's option b: <service-unavailable/>); headline and error are silently dropped.
    private bool MessageToFull(StanzaEvent e)
    {
        if (ctx.Sessions.FindFull(e.To!) is { } session)
        {
            ctx.Out.ToSession(session, e);
            return true;
        }
        switch (MessageType(e))
        {
            case "chat":
                return MessageToBare(e);
            case "normal" or "groupchat":
                ctx.ReplyError(e, StanzaErrors.ServiceUnavailable);
                return true;
            default:
                return true; // headline, error
        }
    }

    // §8.5.2: the available resources with non-negative priority, or offline storage.
    private bool MessageToBare(StanzaEvent e)
    {
        var type = MessageType(e);
        if (type == "error") return true;
        if (type == "groupchat" || !ctx.UserExists(e.To!.Bare))
        {
            ctx.ReplyError(e, StanzaErrors.ServiceUnavailable); // §8.5.1 (no such user), §8.5.2.1.1 (groupchat)
            return true;
        }

        var reachable = ctx.Sessions.OfUser(e.To).Where(Presence.IsReachable).ToArray();
        if (type == "headline")
        {
            foreach (var session in reachable) ctx.Out.ToSession(session, e);
            return true; // none: silently dropped
        }
        if (reachable.Length > 0)
        {
            var top = reachable.Max(s => s.Priority);
            foreach (var session in reachable.Where(s => s.Priority == top)) ctx.Out.ToSession(session, e);
            return true;
        }
        if (!ctx.Hooks.Fire(OfflineHook, e)) ctx.ReplyError(e, StanzaErrors.ServiceUnavailable);
        return true;
    }

    // §8.5.3.1 / §8.5.3.2.3: an iq to an offline full JID gets service-unavailable.
    private bool IqToFull(StanzaEvent e)
    {
        if (ctx.Sessions.FindFull(e.To!) is { } session)
            ctx.Out.ToSession(session, e);
        else
            ctx.ReplyError(e, StanzaErrors.ServiceUnavailable); // not for results and errors (ReplyError drops those)
        return true;
    }

    // §8.5.2.1.3: an iq to a bare JID is answered by the server on the user's behalf; no module took it.
    private bool IqToBare(StanzaEvent e)
    {
        ctx.ReplyError(e, StanzaErrors.ServiceUnavailable);
        return true;
    }

    // Directed presence (§4.6) and presence errors; subscription stanzas and probes were taken by
    // Subscriptions and Probes. §8.5.3.1: the connected resource with that full JID gets it;
    // §8.5.3.2.2: none, dropped. §8.5.2.1.2: to a bare JID, every available resource.
    private bool PresenceToFull(StanzaEvent e)
    {
        if (e.Type != "probe" && ctx.Sessions.FindFull(e.To!) is { } session)
            ctx.Out.ToSession(session, e);
        return true; // offline: dropped (§8.5.3.2.2)
    }

    private bool PresenceToBare(StanzaEvent e)
    {
        if (e.Type == "probe") return true;
        foreach (var session in ctx.Sessions.OfUser(e.To!))
            if (session.Available)
                ctx.Out.ToSession(session, e);
        return true;
    }
}
