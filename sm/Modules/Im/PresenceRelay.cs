using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Sm.Core;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Sessions;

namespace Xmpp.Sm.Modules.Im;

/// <summary>
/// Delivery of presence between local users (RFC 6121 §4, §8.5.2.1.2): to a bare JID means to
/// every available resource (a connected resource that never sent initial presence gets none),
/// and a user's presence is the last presence of each of their available resources.
/// </summary>
public sealed class PresenceRelay(SmContext ctx)
{
    /// <summary>Delivers <paramref name="stanza"/> as is (its 'to' stays the bare JID) to each available resource of <paramref name="user"/>.</summary>
    public int ToAvailable(Jid user, XElement stanza)
    {
        if (!ctx.Shards.Owns(user))
        {
            ctx.Shards.Available(user, stanza); // sm shards: the user's shard knows its resources
            return 1;
        }
        var count = 0;
        foreach (var session in ctx.Sessions.OfUser(user))
        {
            if (!session.Available) continue;
            ctx.Out.ToSession(session, stanza);
            count++;
        }
        return count;
    }

    /// <summary>The available resources of a user that have a presence to show.</summary>
    public IReadOnlyList<SmSession> Showing(Jid user) =>
        ctx.Sessions.OfUser(user).Where(s => s.Available && s.Presence is not null).ToArray();

    /// <summary>The publisher's current presence, one stanza per available resource, to the subscriber's available resources (§3.1.5: a subscription was approved).</summary>
    public void CurrentPresence(Jid publisher, Jid subscriber)
    {
        if (!ctx.Shards.Owns(publisher))
        {
            ctx.Shards.PresenceFor(publisher, subscriber, current: true);
            return;
        }
        foreach (var resource in Showing(publisher))
            ToAvailable(subscriber, Stanza.CopyTo(resource.Presence!, subscriber.Bare));
    }

    /// <summary>Unavailable from each of the publisher's available resources to the subscriber (§3.2.2, §3.3.3: a subscription ended).</summary>
    public void Unavailable(Jid publisher, Jid subscriber)
    {
        if (!ctx.Shards.Owns(publisher))
        {
            ctx.Shards.PresenceFor(publisher, subscriber, current: false);
            return;
        }
        foreach (var resource in Showing(publisher))
            ToAvailable(subscriber, UnavailableFrom(resource.FullJid, subscriber.Bare));
    }

    public static XElement UnavailableFrom(Jid from, Jid? to)
    {
        var presence = new XElement(Stanza.Client + "presence",
            new XAttribute("from", from.ToString()),
            new XAttribute("type", "unavailable"));
        if (to is not null) presence.SetAttributeValue("to", to.ToString());
        return presence;
    }
}
