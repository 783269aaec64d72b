using Xmpp.Common;
using Xmpp.Sm.Core;
using Xmpp.Sm.Modules.Im;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Sessions;
using System.Xml.Linq;

namespace Xmpp.Sm.Modules;

/// <summary>
/// RFC 6121 §4.6 directed presence. Available presence a session sends to an entity that is not
/// subscribed to the user's presence is remembered for that session; a directed unavailable
/// forgets the entity. When the session broadcasts unavailable, or ends without doing so, each
/// remembered entity gets unavailable from it (§4.6.3), since the broadcast does not reach them.
/// Delivery itself is <see cref="Delivery"/>'s: these handlers only remember and let it pass.
/// Presence to a service component's JID (a MUC room occupant JID) is remembered the same way, so a
/// session that ends leaves the rooms it entered (XEP-0045 §7.14); its unavailable goes to the component.
/// </summary>
public sealed class DirectedPresence(SmContext ctx, RosterBook book, PresenceRelay relay) : IModule
{
    public string Name => "directed-presence";

    public void Load(HookTable hooks)
    {
        hooks.Hook("presence/bare", Remember);
        hooks.Hook("presence/full", Remember);
        hooks.Hook(StanzaRouter.ComponentPresenceHook, RememberForComponent);
        hooks.On<WentUnavailable>(went => Undo(went.Session, went.Unavailable));
        hooks.On<SessionEnded>(ended => Undo(ended.Session, null));
    }

    private bool Remember(StanzaEvent e)
    {
        var to = e.To!;
        if (to.Bare == e.From.Bare || !ctx.UserExists(to.Bare)) return false;
        if (e.Type == "")
        {
            if (!book.State(e.From.Bare, to.Bare).From) e.Origin.DirectedPresence.Add(to);
        }
        else if (e.Type == "unavailable")
        {
            e.Origin.DirectedPresence.Remove(to);
        }
        return false; // Delivery delivers it
    }

    private static bool RememberForComponent(StanzaEvent e)
    {
        if (e.Type == "") e.Origin.DirectedPresence.Add(e.To!);
        else if (e.Type == "unavailable") e.Origin.DirectedPresence.Remove(e.To!);
        return false; // the router forwards it
    }

    private void Undo(SmSession session, XElement? unavailable)
    {
        if (session.DirectedPresence.Count == 0) return;
        var targets = session.DirectedPresence.ToArray();
        session.DirectedPresence.Clear();
        foreach (var target in targets)
        {
            var stanza = unavailable is null ? PresenceRelay.UnavailableFrom(session.FullJid, target) : Stanza.CopyTo(unavailable, target);
            if (target.Domain != ctx.Domain)
            {
                ComponentForwarder.Forward(ctx.Out, target.Domain, stanza); // a service's JID (a room)
            }
            else if (target.IsFull && !ctx.Shards.Owns(target))
            {
                // sm shards: the resource lives on its account's shard.
                ctx.Shards.Deliver(Google.Protobuf.UnsafeByteOperations.UnsafeWrap(Xmpp.Common.Stanzas.StanzaCodec.ToBytes(stanza)), "presence", "unavailable", target.ToString(), session.FullJidText);
            }
            else if (target.IsFull)
            {
                if (ctx.Sessions.FindFull(target) is { } recipient) ctx.Out.ToSession(recipient, stanza);
            }
            else
            {
                relay.ToAvailable(target, stanza);
            }
        }
    }
}
