using System.Globalization;
using System.Security.Cryptography;
using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Sm.Core;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Storage;

namespace Xmpp.Sm.Modules.Im;

/// <summary>
/// The rosters as the IM modules use them: a contact's subscription state (roster item plus
/// pending inbound request), state changes written through with a version bump, and roster
/// pushes (RFC 6121 §2.1.6) carrying the new version (§2.6) to every interested resource.
/// </summary>
public sealed class RosterBook(SmContext ctx)
{
    public static readonly XNamespace RosterNs = Ns.Roster;

    private IRosterStore Rosters => ctx.Storage.Rosters;
    private ISubscriptionRequestStore Requests => ctx.Storage.Requests;

    public SubscriptionState State(Jid user, Jid contact) =>
        SubscriptionState.Of(Rosters.GetItem(Key(user), Key(contact)), Requests.HasRequest(Key(user), Key(contact)));

    /// <summary>Whether one more item fits in the user's roster (<see cref="SmOptions.RosterLimit"/>).</summary>
    public bool HasRoomFor(Jid user, string contactKey) =>
        Rosters.GetItem(Key(user), contactKey) is not null || Rosters.CountItems(Key(user)) < ctx.Options.RosterLimit;

    /// <summary>
    /// Writes a state change: the pending request (kept as <paramref name="request"/> when it
    /// appears), and the roster item when what it shows changes, followed by a roster push.
    /// A state that shows nothing creates no item. False, with nothing changed, when a new item
    /// would exceed the roster limit and <paramref name="enforceLimit"/> is set.
    /// </summary>
    public bool Apply(Jid user, Jid contact, SubscriptionState before, SubscriptionState after, XElement? request = null, bool enforceLimit = true)
    {
        if (before == after) return true;
        string userKey = Key(user), contactKey = Key(contact);
        var item = Rosters.GetItem(userKey, contactKey);
        var writeItem = before.Visible != after.Visible && (item is not null || after.IsVisible);
        if (writeItem && item is null && enforceLimit && !HasRoomFor(user, contactKey)) return false;

        using var tx = ctx.Storage.Transactions.Begin(); // the pending request and the item together
        if (!before.PendingIn && after.PendingIn)
            Requests.AddRequest(userKey, contactKey, StanzaCodec.ToBytes(request ?? new XElement(Stanza.Client + "presence")), ctx.Clock.GetUtcNow());
        else if (before.PendingIn && !after.PendingIn)
            Requests.RemoveRequest(userKey, contactKey);

        if (writeItem)
        {
            var updated = (item ?? new RosterItem(contactKey, null, RosterItem.None, null, [])) with
            {
                Subscription = after.Subscription,
                Ask = after.Ask,
                Approved = after.PreApproved,
            };
            var version = Rosters.PutItem(userKey, updated);
            tx.Commit();
            Push(user, ToXml(updated), version);
            return true;
        }
        tx.Commit();
        return true;
    }

    /// <summary>The bare JIDs of this domain with the given side of a subscription in the user's roster.</summary>
    public IReadOnlyList<Jid> Contacts(Jid user, Func<SubscriptionState, bool> which)
    {
        var result = new List<Jid>();
        foreach (var item in Rosters.GetRoster(Key(user)))
        {
            if (!which(SubscriptionState.Of(item, pendingIn: false))) continue;
            if (Jid.TryParse(item.Jid, out var jid) && jid.Domain == ctx.Domain && jid.Local is not null) result.Add(jid.Bare);
        }
        return result;
    }

    /// <summary>Contacts that receive the user's presence (subscription from or both).</summary>
    public IReadOnlyList<Jid> Subscribers(Jid user) => Contacts(user, s => s.From);

    /// <summary>Contacts whose presence the user receives (subscription to or both).</summary>
    public IReadOnlyList<Jid> Publishers(Jid user) => Contacts(user, s => s.To);

    /// <summary>RFC 6121 §2.1.6: a roster push of one item to every interested resource of the user, with the roster version.</summary>
    public void Push(Jid user, XElement item, long version)
    {
        if (!ctx.Shards.Owns(user))
        {
            ctx.Shards.RosterPush(user, item, version); // sm shards: to the user's shard, which knows its resources
            return;
        }
        foreach (var session in ctx.Sessions.OfUser(user))
        {
            if (!session.Interested) continue;
            var push = new XElement(Stanza.Client + "iq",
                new XAttribute("type", "set"),
                new XAttribute("id", "push-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))),
                new XAttribute("to", session.FullJid.ToString()),
                new XElement(RosterNs + "query", new XAttribute("ver", VersionText(version)), new XElement(item)));
            ctx.Out.ToSession(session, push);
        }
    }

    /// <summary>The 'ver' attribute for a roster version: opaque to clients (RFC 6121 §2.6.1), here the counter.</summary>
    public static string VersionText(long version) => version.ToString(CultureInfo.InvariantCulture);

    public static XElement ToXml(RosterItem item)
    {
        var element = new XElement(RosterNs + "item",
            new XAttribute("jid", item.Jid),
            new XAttribute("subscription", item.Subscription));
        if (item.Name is not null) element.SetAttributeValue("name", item.Name);
        if (item.Ask is not null) element.SetAttributeValue("ask", item.Ask);
        if (item.Approved) element.SetAttributeValue("approved", "true");
        foreach (var group in item.Groups) element.Add(new XElement(RosterNs + "group", group));
        return element;
    }

    public static string Key(Jid jid) => jid.Bare.ToString();
}
