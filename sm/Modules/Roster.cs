using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Sm.Core;
using Xmpp.Sm.Modules.Im;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Storage;

namespace Xmpp.Sm.Modules;

/// <summary>
/// RFC 6121 §2 roster management: get (which makes the session "interested", §2.2), set (§2.3,
/// §2.4) and remove (§2.5) with a roster push to every interested resource, and roster
/// versioning (§2.6): results and pushes carry 'ver'; a get whose 'ver' is current is answered
/// with an empty result, later changes come as pushes.
/// Stream feature for c2s to announce (§2.6.1): <c>&lt;ver xmlns='urn:xmpp:features:rosterver'/&gt;</c>.
/// Set errors (§2.3.3): more than one item or duplicate groups, &lt;bad-request/&gt;; a name or
/// group longer than <see cref="MaxTextLength"/> or an empty group, &lt;not-acceptable/&gt;;
/// someone else's roster, &lt;forbidden/&gt;; no such item to remove, &lt;item-not-found/&gt;
/// (§2.5.3). A 'subscription' other than "remove", 'ask' and 'approved' in a set are ignored
/// (§2.1.2.1, §2.1.2.2, §2.1.2.5): subscription states change only through presence stanzas.
/// A new item beyond <see cref="SmOptions.RosterLimit"/> gets &lt;not-allowed/&gt; (type cancel)
/// with a text naming the limit: RFC 6121 defines no condition for it, and RFC 6120 §8.3.3.9's
/// "the server does not allow the action" fits a fixed policy, where &lt;resource-constraint/&gt;
/// (type wait) would tell the client to retry later in vain.
/// </summary>
public sealed class Roster(SmContext ctx, RosterBook book, SubscriptionFlow flow) : IModule
{
    /// <summary>The roster versioning stream feature's namespace (RFC 6121 §2.6.1).</summary>
    public const string VersioningFeature = "urn:xmpp:features:rosterver";

    /// <summary>Longest name or group accepted, in characters.</summary>
    public const int MaxTextLength = 1023;

    private static readonly XNamespace RosterNs = Ns.Roster;

    public string Name => "roster";

    public void Load(HookTable hooks)
    {
        hooks.Hook($"iq-get/self/{Ns.Roster}:query", Get);
        hooks.Hook($"iq-set/self/{Ns.Roster}:query", Set);
        // Someone else's roster is not for the asking (RFC 6121 §2.1.5, §2.3.3).
        hooks.Hook($"iq-get/bare/{Ns.Roster}:query", Forbidden);
        hooks.Hook($"iq-set/bare/{Ns.Roster}:query", Forbidden);
    }

    private bool Forbidden(StanzaEvent e) => Error(e, StanzaErrors.Forbidden, null);

    private bool Get(StanzaEvent e)
    {
        var user = e.From.Bare.ToString();
        var version = RosterBook.VersionText(ctx.Storage.Rosters.GetVersion(user));
        e.Origin.Interested = true;
        if ((string?)e.Payload!.Attribute("ver") == version)
        {
            ctx.ReplyResult(e); // §2.6.3: the client's copy is current; changes from now on come as pushes
            return true;
        }
        var query = new XElement(RosterNs + "query", new XAttribute("ver", version));
        foreach (var item in ctx.Storage.Rosters.GetRoster(user))
            query.Add(RosterBook.ToXml(item));
        ctx.ReplyResult(e, query);
        return true;
    }

    private bool Set(StanzaEvent e)
    {
        var user = e.From.Bare;
        var items = e.Payload!.Elements().ToArray();
        if (items.Length != 1 || items[0].Name != RosterNs + "item")
            return Error(e, StanzaErrors.BadRequest, "a roster set carries exactly one <item/>");
        var element = items[0];
        var jidText = (string?)element.Attribute("jid");
        if (jidText is null) return Error(e, StanzaErrors.BadRequest, "the item has no 'jid'");
        if (!Jid.TryParse(jidText, out var contact)) return Error(e, StanzaErrors.JidMalformed, null);
        if (contact.Bare == user) return Error(e, StanzaErrors.NotAllowed, "your own account cannot be a roster item");
        var key = contact.ToString();

        if ((string?)element.Attribute("subscription") == "remove") return Remove(e, user, contact, key);

        var name = (string?)element.Attribute("name");
        var groups = element.Elements(RosterNs + "group").Select(g => g.Value).ToArray();
        if (groups.Length != groups.Distinct(StringComparer.Ordinal).Count())
            return Error(e, StanzaErrors.BadRequest, "duplicate group");
        if (groups.Any(g => g.Length == 0)) return Error(e, StanzaErrors.NotAcceptable, "empty group name");
        if (groups.Any(g => g.Length > MaxTextLength) || name?.Length > MaxTextLength)
            return Error(e, StanzaErrors.NotAcceptable, $"names and groups are limited to {MaxTextLength} characters");

        var existing = ctx.Storage.Rosters.GetItem(user.ToString(), key);
        if (existing is null && !book.HasRoomFor(user, key))
            return Error(e, StanzaErrors.NotAllowed, $"your roster is full (at most {ctx.Options.RosterLimit} items)");
        var item = (existing ?? new RosterItem(key, null, RosterItem.None, null, [])) with
        {
            Name = string.IsNullOrEmpty(name) ? null : name,
            Groups = groups,
        };
        var version = ctx.Storage.Rosters.PutItem(user.ToString(), item);
        ctx.ReplyResult(e);
        book.Push(user, RosterBook.ToXml(item), version);
        return true;
    }

    /// <summary>§2.5: removal, then unsubscribe/unsubscribed to the contact for each side of the subscription that existed.</summary>
    private bool Remove(StanzaEvent e, Jid user, Jid contact, string key)
    {
        // The item, the pending request and the contact's side of the subscription go together.
        using var tx = ctx.Storage.Transactions.Begin();
        var before = contact.IsBare ? book.State(user, contact) : SubscriptionState.None;
        if (ctx.Storage.Rosters.RemoveItem(user.ToString(), key) is not { } version)
            return Error(e, StanzaErrors.ItemNotFound, null);
        if (before.PendingIn) ctx.Storage.Requests.RemoveRequest(user.ToString(), key);
        ctx.ReplyResult(e);
        book.Push(user, new XElement(RosterNs + "item", new XAttribute("jid", key), new XAttribute("subscription", "remove")), version);
        if (contact.IsBare) flow.Removed(user, contact, before);
        tx.Commit(); // sm sends the answer and pushes only after its batch is committed (GroupCommit)
        return true;
    }

    private bool Error(StanzaEvent e, string condition, string? text)
    {
        Telemetry.SmTelemetry.Refused(e.Kind, condition); // errors with a text bypass ctx.ReplyError, which counts the others
        ctx.Reply(e, StanzaErrors.Reply(e.Stanza, StanzaErrors.DefaultType(condition), condition, text));
        return true;
    }
}
