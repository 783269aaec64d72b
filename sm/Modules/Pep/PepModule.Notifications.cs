using System.Globalization;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.PubSub;
using Xmpp.Common.Stanzas;
using Xmpp.Sm.Core;
using Xmpp.Sm.Modules.Caps;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Sessions;
using Xmpp.Sm.Storage;

namespace Xmpp.Sm.Modules.Pep;

/// <summary>Who may see what (the requester's relation to the owner) and who gets which notification.</summary>
public sealed partial class PepModule
{
    /// <summary>What <paramref name="requester"/> is to the owner of the service, for the node's access checks.</summary>
    private Requester Who(Jid owner, Jid requester, string node)
    {
        if (owner.Bare == requester.Bare) return Requester.Owner;
        var item = ctx.Storage.Rosters.GetItem(owner.ToString(), requester.Bare.ToString());
        return new Requester(false, item?.Subscription is RosterItem.From or RosterItem.Both, item?.Groups ?? [],
            _engine.AffiliationOf(owner.ToString(), node, requester.Bare.ToString()));
    }

    /// <summary>The owner and its presence subscribers (XEP-0163 §4.3.1: implicitly subscribed), each a local user.</summary>
    private IEnumerable<Jid> Audience(Jid owner)
    {
        yield return owner;
        foreach (var item in ctx.Storage.Rosters.GetRoster(owner.ToString()))
            if (item.Subscription is RosterItem.From or RosterItem.Both && Jid.TryParse(item.Jid, out var contact) && contact!.Domain == ctx.Domain)
                yield return contact;
    }

    /// <summary>The event to each available resource of the audience whose caps ask for the node and that may read it.</summary>
    private void Notify(Jid owner, string node, NodeConfig config, XElement payload)
    {
        var sent = 0;
        foreach (var user in Audience(owner).ToArray())
        {
            var sessions = ctx.Sessions.OfUser(user);
            if (sessions.Count == 0) continue;
            var who = Who(owner, user, node);
            foreach (var session in sessions)
                if (session.Available && AccessRules.ShouldNotify(node, config, who, caps.FeaturesOf(session)))
                {
                    ctx.Out.ToSession(session, Event(owner, session, payload));
                    sent++;
                }
        }
        PepTelemetry.Notified(sent);
    }

    /// <summary>
    /// XEP-0163 §4.3.5 (send_last_published_item on_sub_and_presence): a resource whose caps now ask
    /// for nodes gets the last item of each such node of its own account and of every account that
    /// shares its presence with it, when the access model lets it.
    /// </summary>
    private void SendLastItems(CapsChanged changed)
    {
        var nodes = changed.After.Where(f => f.EndsWith("+notify", StringComparison.Ordinal) && !changed.Before.Contains(f))
            .Select(f => f[..^"+notify".Length]).Where(n => n.Length > 0).ToArray();
        if (nodes.Length == 0) return;
        var session = changed.Session;
        var owners = new List<Jid> { session.BareJid };
        foreach (var item in ctx.Storage.Rosters.GetRoster(session.BareJid.ToString()))
            if (item.Subscription is RosterItem.To or RosterItem.Both && Jid.TryParse(item.Jid, out var contact) && contact!.Domain == ctx.Domain)
                owners.Add(contact);
        var bytes = 0L;
        var skipped = 0;
        foreach (var owner in owners)
            foreach (var node in nodes)
            {
                if (_engine.Node(owner.ToString(), node) is not { } config || config.SendLastPublishedItem != "on_sub_and_presence") continue;
                if (!AccessRules.ShouldNotify(node, config, Who(owner, session.BareJid, node), changed.After)) continue;
                if (_engine.LastItem(owner.ToString(), node) is not { } last) continue;
                var message = Event(owner, session, new XElement(E + "items", new XAttribute("node", node),
                    config.DeliverPayloads ? ItemElement(last, E) : new XElement(E + "item", new XAttribute("id", last.Id))));
                bytes += StanzaCodec.ToBytes(message).Length;
                if (bytes > _options.MaxResultBytes)
                {
                    skipped++; // the client can still fetch them; a burst beyond this would cut it off (C2s:MaxOutboundBytes)
                    continue;
                }
                ctx.Out.ToSession(session, message);
                PepTelemetry.Notified(1);
            }
        if (skipped > 0)
        {
            _logger.LogInformation("{Skipped} last items not sent to {Session}: beyond Sm:Pep:MaxResultBytes at once", skipped, session.Id);
            PepTelemetry.LastItemsSkipped(skipped);
        }
    }

    private XElement Event(Jid owner, SmSession to, XElement payload) =>
        new(Stanza.Client + "message",
            new XAttribute("from", owner.ToString()), new XAttribute("to", to.FullJidText),
            new XAttribute("type", "headline"), new XAttribute("id", "pep-" + Guid.NewGuid().ToString("N")[..12]),
            new XElement(E + "event", payload));

    private static XElement ItemElement(PubSubItem item, XNamespace ns) => PubSubXml.ItemElement(item, ns);
}
