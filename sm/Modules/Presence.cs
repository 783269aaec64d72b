using System.Globalization;
using System.Xml.Linq;
using Xmpp.Sm.Core;
using Xmpp.Sm.Modules.Im;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Sessions;

namespace Xmpp.Sm.Modules;

/// <summary>
/// RFC 6121 §4 presence broadcast. A session's own presence (no 'to') sets its availability and
/// priority (§4.7.2.3, kept per resource) and is broadcast to the contacts subscribed to the user
/// (subscription from or both) and to the user's available resources, itself included (§4.2.2,
/// §4.4.2, §4.5.2). When an available session ends without saying so (END, disconnect, its c2s
/// died) the same broadcast carries an unavailable presence. A resource that has not sent initial
/// presence gets no presence broadcasts. Initial presence raises <see cref="InitialPresence"/>
/// (probes, pending subscription requests), then <see cref="BecameReachable"/> (offline messages);
/// going unavailable raises <see cref="WentUnavailable"/> (directed presence).
/// </summary>
public sealed class Presence(SmContext ctx, RosterBook book, PresenceRelay relay) : IModule
{
    public string Name => "presence";

    public void Load(HookTable hooks)
    {
        hooks.Hook("presence/self", OwnPresence);
        hooks.On<SessionEnded>(ended => WentAway(ended.Session));
    }

    private bool OwnPresence(StanzaEvent e)
    {
        var session = e.Origin;
        switch (e.Type)
        {
            case "":
                var wasAvailable = session.Available;
                var wasReachable = IsReachable(session);
                session.Available = true;
                session.Priority = ParsePriority(e.Stanza);
                session.Presence = new XElement(e.Stanza);
                Broadcast(session, e.Stanza, echo: true);
                if (!wasAvailable) ctx.Hooks.Raise(new InitialPresence(session));
                // XEP-0160: the first time a resource can get messages sent to the bare JID, it gets what waited.
                if (!wasReachable && IsReachable(session)) ctx.Hooks.Raise(new BecameReachable(session));
                break;
            case "unavailable":
                if (!session.Available) break;
                session.Available = false;
                session.Presence = null;
                Broadcast(session, e.Stanza, echo: true);
                ctx.Hooks.Raise(new WentUnavailable(session, e.Stanza));
                break;
            default:
                break; // a probe or subscription stanza without 'to', an error: nothing to do
        }
        return true;
    }

    private void WentAway(SmSession session)
    {
        if (!session.Available) return;
        session.Available = false;
        session.Presence = null;
        var unavailable = PresenceRelay.UnavailableFrom(session.FullJid, null);
        Broadcast(session, unavailable, echo: false);
        ctx.Hooks.Raise(new WentUnavailable(session, unavailable));
    }

    /// <summary>The session's presence to the user's other available resources (and itself when echoing), then to each subscribed contact's available resources.</summary>
    private void Broadcast(SmSession from, XElement presence, bool echo)
    {
        foreach (var other in ctx.Sessions.OfUser(from.BareJid))
            if (other != from && other.Available)
                ctx.Out.ToSession(other, Stanza.CopyTo(presence, other.FullJid));
        if (echo) ctx.Out.ToSession(from, Stanza.CopyTo(presence, from.FullJid));
        foreach (var contact in book.Subscribers(from.BareJid))
            relay.ToAvailable(contact, Stanza.CopyTo(presence, contact));
    }

    /// <summary>Messages to the bare JID may go to a resource that is available with a non-negative priority (RFC 6121 §8.5.2.1).</summary>
    public static bool IsReachable(SmSession session) => session.Available && session.Priority >= 0;

    /// <summary>RFC 6121 §4.7.2.3: an integer from -128 to 127, 0 when absent; out-of-range values are clamped.</summary>
    private static int ParsePriority(XElement presence)
    {
        var text = (string?)presence.Element(Stanza.Client + "priority");
        if (text is null || !int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var priority))
            return 0;
        return Math.Clamp(priority, -128, 127);
    }
}
