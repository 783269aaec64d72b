using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Common.Stanzas;

namespace Xmpp.Muc.Protocol;

/// <summary>
/// XEP-0045 §8-9 muc#admin: items by nick with a role (kick, voice, moderator) and items by JID
/// with an affiliation (ban, member, admin, owner, none) in one set, applied in order (the first
/// refusal answers the iq); lists by role (moderators) or affiliation (admins and up).
/// </summary>
public sealed class RoomAdmin(MucContext ctx, Moderation moderation)
{
    private static readonly XNamespace Admin = MucNs.Admin;

    public void Handle(XElement iq, Jid from, Room room)
    {
        var query = iq.Element(Admin + "query")!;
        var items = query.Elements(Admin + "item").ToArray();
        if (items.Length == 0)
        {
            ctx.Refuse(iq, StanzaErrors.BadRequest, StanzaErrors.Modify);
            return;
        }
        if ((string?)iq.Attribute("type") == "get") List(iq, from, room, items[0]);
        else Set(iq, from, room, items);
    }

    private void List(XElement iq, Jid from, Room room, XElement item)
    {
        var result = new XElement(Admin + "query");
        if (MucNames.TryParseAffiliation((string?)item.Attribute("affiliation"), out var affiliation))
        {
            if (room.AffiliationOf(from) < Affiliation.Admin)
            {
                ctx.Refuse(iq, StanzaErrors.Forbidden, StanzaErrors.Auth);
                return;
            }
            foreach (var (jid, a) in room.Affiliations.Where(p => p.Value == affiliation).OrderBy(p => p.Key, StringComparer.Ordinal))
                result.Add(new XElement(Admin + "item", new XAttribute("affiliation", a.Name()), new XAttribute("jid", jid)));
        }
        else if (MucNames.TryParseRole((string?)item.Attribute("role"), out var role))
        {
            if (!room.ByRealJid.TryGetValue(from, out var asking) || asking.Role != Role.Moderator)
            {
                ctx.Refuse(iq, StanzaErrors.Forbidden, StanzaErrors.Auth);
                return;
            }
            foreach (var occupant in room.Occupants.Where(o => o.Role == role).OrderBy(o => o.Nick, StringComparer.Ordinal))
                result.Add(new XElement(Admin + "item", new XAttribute("affiliation", room.AffiliationOf(occupant).Name()),
                    new XAttribute("jid", occupant.RealJid.ToString()), new XAttribute("nick", occupant.Nick), new XAttribute("role", role.Name())));
        }
        else
        {
            ctx.Refuse(iq, StanzaErrors.BadRequest, StanzaErrors.Modify);
            return;
        }
        ctx.Result(iq, result);
    }

    private void Set(XElement iq, Jid from, Room room, XElement[] items)
    {
        room.ByRealJid.TryGetValue(from, out var actor);
        foreach (var item in items)
        {
            var reason = (string?)item.Element(Admin + "reason");
            Moderation.Refusal? refused;
            if (item.Attribute("affiliation") is { } a)
            {
                if (!MucNames.TryParseAffiliation(a.Value, out var affiliation)) { ctx.Refuse(iq, StanzaErrors.BadRequest, StanzaErrors.Modify); return; }
                Jid? target = null;
                if (Jid.TryParse((string?)item.Attribute("jid"), out var jid)) target = jid.Bare;
                else if ((string?)item.Attribute("nick") is { } nick && room.ByNick.TryGetValue(nick, out var byNick)) target = byNick.RealJid.Bare;
                if (target is null) { ctx.Refuse(iq, StanzaErrors.BadRequest, StanzaErrors.Modify); return; }
                refused = moderation.SetAffiliation(room, room.AffiliationOf(from), actor?.Nick, target, affiliation, reason);
            }
            else if (item.Attribute("role") is { } r)
            {
                if (!MucNames.TryParseRole(r.Value, out var role)) { ctx.Refuse(iq, StanzaErrors.BadRequest, StanzaErrors.Modify); return; }
                if (actor is null) { ctx.Refuse(iq, StanzaErrors.Forbidden, StanzaErrors.Auth); return; }
                if ((string?)item.Attribute("nick") is not { } nick || !room.ByNick.TryGetValue(nick, out var target))
                {
                    ctx.Refuse(iq, StanzaErrors.ItemNotFound, StanzaErrors.Cancel);
                    return;
                }
                refused = moderation.SetRole(room, actor, target, role, reason);
            }
            else
            {
                ctx.Refuse(iq, StanzaErrors.BadRequest, StanzaErrors.Modify);
                return;
            }
            if (refused is { } refusal)
            {
                ctx.Refuse(iq, refusal.Condition, refusal.Type);
                return;
            }
        }
        ctx.Result(iq);
    }
}
