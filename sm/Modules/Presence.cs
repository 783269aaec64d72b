using System.Globalization;
using System.Xml.Linq;
using Xmpp.Sm.Core;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Sessions;

namespace Xmpp.Sm.Modules;

/// <summary>
/// RFC 6121 §4 presence, the part that needs no roster yet: a session's own (undirected)
/// presence sets its availability and priority and is broadcast to the user's other available
/// resources and echoed back; when an available session ends, the others learn it went away.
/// Broadcast to contacts (§4.2.2, §4.4.2) and probes come with subscriptions: they plug in at
/// <see cref="Broadcast"/>.
/// </summary>
public sealed class Presence(SmContext ctx) : IModule
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
                var wasReachable = IsReachable(session);
                session.Available = true;
                session.Priority = ParsePriority(e.Stanza);
                session.Presence = new XElement(e.Stanza);
                Broadcast(session, e.Stanza, echo: true);
                // XEP-0160: the first time a resource can get messages sent to the bare JID, it gets what waited.
                if (!wasReachable && IsReachable(session)) ctx.Hooks.Raise(new InitialPresence(session));
                break;
            case "unavailable":
                if (!session.Available) break;
                session.Available = false;
                session.Presence = null;
                Broadcast(session, e.Stanza, echo: true);
                break;
            default:
                break; // subscription requests without 'to', probes, errors: nothing to do yet
        }
        return true;
    }

    private void WentAway(SmSession session)
    {
        if (!session.Available) return;
        session.Available = false;
        session.Presence = null;
        var unavailable = new XElement(Stanza.Client + "presence",
            new XAttribute("from", session.FullJid.ToString()),
            new XAttribute("type", "unavailable"));
        Broadcast(session, unavailable, echo: false);
    }

    /// <summary>Sends the session's presence to the user's other available resources (and to itself when echoing).</summary>
    private void Broadcast(SmSession from, XElement presence, bool echo)
    {
        foreach (var other in ctx.Sessions.OfUser(from.BareJid))
            if (other != from && other.Available)
                ctx.Out.ToSession(other, Stanza.CopyTo(presence, other.FullJid));
        if (echo) ctx.Out.ToSession(from, Stanza.CopyTo(presence, from.FullJid));
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
