using System.Security.Cryptography;
using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Sm.Core;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Storage;

namespace Xmpp.Sm.Modules;

/// <summary>
/// RFC 6121 §2 roster management: get (which makes the session "interested"), set and remove
/// of items with a roster push to every interested resource. Subscription states are kept as
/// stored; changing them is the job of the presence subscription handling to come.
/// </summary>
public sealed class Roster(SmContext ctx) : IModule
{
    private static readonly XNamespace RosterNs = Ns.Roster;
    private const int MaxTextLength = 1023;

    public string Name => "roster";

    public void Load(HookTable hooks)
    {
        hooks.Hook($"iq-get/self/{Ns.Roster}:query", Get);
        hooks.Hook($"iq-set/self/{Ns.Roster}:query", Set);
        // Someone else's roster is not for the asking (RFC 6121 §2.1.5).
        hooks.Hook($"iq-get/bare/{Ns.Roster}:query", Forbidden);
        hooks.Hook($"iq-set/bare/{Ns.Roster}:query", Forbidden);
    }

    private bool Forbidden(StanzaEvent e)
    {
        ctx.ReplyError(e, StanzaErrors.Forbidden);
        return true;
    }

    private bool Get(StanzaEvent e)
    {
        var query = new XElement(RosterNs + "query");
        foreach (var item in ctx.Storage.Rosters.GetRoster(e.From.Bare.ToString()))
            query.Add(ToXml(item));
        e.Origin.Interested = true;
        ctx.ReplyResult(e, query);
        return true;
    }

    private bool Set(StanzaEvent e)
    {
        var user = e.From.Bare.ToString();
        var items = e.Payload!.Elements(RosterNs + "item").ToArray();
        if (items.Length != 1 || e.Payload.Elements().Count() != 1)
            return Error(e, StanzaErrors.BadRequest);
        var element = items[0];
        if (!Jid.TryParse((string?)element.Attribute("jid"), out var contact))
            return Error(e, StanzaErrors.JidMalformed);
        if (contact.Bare == e.From.Bare)
            return Error(e, StanzaErrors.NotAllowed);
        var key = contact.ToString();

        if ((string?)element.Attribute("subscription") == "remove")
        {
            if (!ctx.Storage.Rosters.RemoveItem(user, key)) return Error(e, StanzaErrors.ItemNotFound);
            ctx.ReplyResult(e);
            Push(e.From.Bare, new XElement(RosterNs + "item", new XAttribute("jid", key), new XAttribute("subscription", "remove")));
            return true;
        }

        var name = (string?)element.Attribute("name");
        var groups = element.Elements(RosterNs + "group").Select(g => g.Value).ToArray();
        if (groups.Length != groups.Distinct(StringComparer.Ordinal).Count())
            return Error(e, StanzaErrors.BadRequest);
        if (groups.Any(g => g.Length == 0 || g.Length > MaxTextLength) || name?.Length > MaxTextLength)
            return Error(e, StanzaErrors.NotAcceptable);

        var existing = ctx.Storage.Rosters.GetItem(user, key);
        if (existing is null && ctx.Storage.Rosters.CountItems(user) >= ctx.Options.RosterLimit)
            return Error(e, StanzaErrors.NotAllowed);
        var item = new RosterItem(key, string.IsNullOrEmpty(name) ? null : name,
            existing?.Subscription ?? RosterItem.None, existing?.Ask, groups);
        ctx.Storage.Rosters.PutItem(user, item);
        ctx.ReplyResult(e);
        Push(e.From.Bare, ToXml(item));
        return true;
    }

    /// <summary>RFC 6121 §2.1.6: a roster push to every interested resource of the user.</summary>
    private void Push(Jid user, XElement item)
    {
        foreach (var session in ctx.Sessions.OfUser(user))
        {
            if (!session.Interested) continue;
            var push = new XElement(Stanza.Client + "iq",
                new XAttribute("type", "set"),
                new XAttribute("id", "push-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))),
                new XAttribute("to", session.FullJid.ToString()),
                new XElement(RosterNs + "query", new XElement(item)));
            ctx.Out.ToSession(session, push);
        }
    }

    private bool Error(StanzaEvent e, string condition)
    {
        ctx.ReplyError(e, condition);
        return true;
    }

    private static XElement ToXml(RosterItem item)
    {
        var element = new XElement(RosterNs + "item",
            new XAttribute("jid", item.Jid),
            new XAttribute("subscription", item.Subscription));
        if (item.Name is not null) element.SetAttributeValue("name", item.Name);
        if (item.Ask is not null) element.SetAttributeValue("ask", item.Ask);
        foreach (var group in item.Groups) element.Add(new XElement(RosterNs + "group", group));
        return element;
    }
}
