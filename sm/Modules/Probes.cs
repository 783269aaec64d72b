using Xmpp.Common;
using Xmpp.Sm.Core;
using Xmpp.Sm.Modules.Im;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Sessions;

namespace Xmpp.Sm.Modules;

/// <summary>
/// RFC 6121 §4.3 presence probes. On initial presence the user's server probes every contact the
/// user is subscribed to (to/both, §4.2.2); for a contact of this server sm answers on the
/// contact's behalf (§4.3.2) straight to the new resource: the last presence of each of the
/// contact's available resources, or unavailable when none is. A probe from someone the contact
/// does not share presence with (or for an account that does not exist, §8.5.1) is answered with
/// unsubscribed from the contact's bare JID, processed as such on the prober's side. A probe a
/// client sends itself is answered the same way. The new resource also gets the presence of the
/// user's other available resources.
/// </summary>
public sealed class Probes(SmContext ctx, RosterBook book, PresenceRelay relay, SubscriptionFlow flow) : IModule
{
    public string Name => "probes";

    public void Load(HookTable hooks)
    {
        hooks.Hook("presence/bare", Probe);
        hooks.Hook("presence/full", Probe);
        hooks.On<InitialPresence>(initial => ProbeContacts(initial.Session));
        // sm shards: a probe another shard hands over for a contact of this one (the prober is a stand-in).
        hooks.Hook(Routing.ShardHopIntake.ProbeHook, e =>
        {
            Answer(e.Origin, e.To!.Bare, e.To.IsFull ? e.To : null, (string?)e.Stanza.Attribute("id"));
            return true;
        });
    }

    private void ProbeContacts(SmSession session)
    {
        OwnResources(session, except: session);
        foreach (var contact in book.Publishers(session.BareJid))
            Answer(session, contact, resource: null, id: null);
    }

    private bool Probe(StanzaEvent e)
    {
        if (e.Type != "probe") return false;
        var contact = e.To!;
        var id = (string?)e.Stanza.Attribute("id");
        if (contact.Bare == e.From.Bare)
            OwnResources(e.Origin, except: null);
        else if (!ctx.UserExists(contact.Bare))
            Unsubscribed(e.Origin, contact.Bare, id);
        else
            Answer(e.Origin, contact.Bare, contact.IsFull ? contact : null, id);
        return true;
    }

    /// <summary>§4.3.2 on behalf of <paramref name="contact"/>; <paramref name="resource"/> narrows a probe sent to a full JID.</summary>
    private void Answer(SmSession prober, Jid contact, Jid? resource, string? id)
    {
        if (!ctx.Shards.Owns(contact) && !Core.ShardView.IsRemote(prober))
        {
            ctx.Shards.Probe(prober, resource ?? contact, id); // sm shards: the contact's shard knows its resources
            return;
        }
        if (!book.State(contact, prober.BareJid).From)
        {
            Unsubscribed(prober, contact, id);
            return;
        }
        var showing = relay.Showing(contact).Where(s => resource is null || s.FullJid == resource).ToArray();
        if (showing.Length == 0)
        {
            var unavailable = PresenceRelay.UnavailableFrom(resource ?? contact, prober.FullJid);
            if (id is not null) unavailable.SetAttributeValue("id", id);
            ctx.Out.ToSession(prober, unavailable);
            return;
        }
        foreach (var session in showing)
            ctx.Out.ToSession(prober, Stanza.CopyTo(session.Presence!, prober.FullJid));
    }

    /// <summary>§4.3.2 item 1: "unsubscribed" from the contact's bare JID, which the prober's side processes (Appendix A.3.4).</summary>
    private void Unsubscribed(SmSession prober, Jid contact, string? id) =>
        flow.Inbound(prober.BareJid, contact, SubscriptionRules.Unsubscribed,
            SubscriptionFlow.Build(contact, prober.BareJid, SubscriptionRules.Unsubscribed, id));

    private void OwnResources(SmSession to, SmSession? except)
    {
        foreach (var session in relay.Showing(to.BareJid))
            if (session != except)
                ctx.Out.ToSession(to, Stanza.CopyTo(session.Presence!, to.FullJid));
    }
}
