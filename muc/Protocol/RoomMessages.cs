using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.Stanzas;

namespace Xmpp.Muc.Protocol;

/// <summary>
/// Messages to a room and to its occupants: groupchat (§7.4; archived with a stanza-id, kept as
/// history, carrying the sender's occupant id), subject changes (§8.1), private messages (§7.5),
/// mediated invitations and declines (§7.8.2, §7.8.3), voice requests and their approval (§7.13, §8.6),
/// and errors from occupants' sessions (ghosts, §7.2.3).
/// </summary>
public sealed class RoomMessages(MucContext ctx, RoomPresence presence, RoomBroadcast broadcast, RoomArchive archive, Moderation moderation)
{
    private static readonly XNamespace Client = MucContext.Client;
    private static readonly XNamespace User = MucNs.User;

    /// <summary>Payloads that make a message worth keeping (a body, or an end-to-end encrypted one).</summary>
    private static readonly HashSet<string> ArchivedPayloads = ["eu.siacs.conversations.axolotl", "urn:xmpp:omemo:2", "urn:xmpp:openpgp:0"];

    public void ToRoom(XElement stanza, Jid from, Room room)
    {
        var type = (string?)stanza.Attribute("type") ?? "normal";
        if (type == "error")
        {
            presence.RemoveGhost(from, room.Jid, "message error");
            return;
        }
        room.ByRealJid.TryGetValue(from, out var occupant);
        if (type == "groupchat")
        {
            Groupchat(stanza, room, occupant);
            return;
        }
        var x = stanza.Element(User + "x");
        if (x?.Element(User + "decline") is { } decline)
            Decline(room, from, decline);
        else if (x?.Elements(User + "invite").Any() == true)
            Invite(stanza, room, from, occupant, x);
        else if (DataForm.Find(stanza, MucNs.Request) is { } form)
            VoiceRequest(stanza, room, occupant, form);
        else
            ctx.Refuse(stanza, StanzaErrors.BadRequest, StanzaErrors.Modify);
    }

    private void Groupchat(XElement stanza, Room room, Occupant? occupant)
    {
        if (occupant is null)
        {
            ctx.Refuse(stanza, StanzaErrors.NotAcceptable, StanzaErrors.Modify, "Only occupants may send messages to the room");
            return;
        }
        if (occupant.Role < Role.Participant)
        {
            ctx.Refuse(stanza, StanzaErrors.Forbidden, StanzaErrors.Auth, "Visitors may not speak in a moderated room");
            return;
        }
        var message = new XElement(Client + "message", new XAttribute("type", "groupchat"), new XAttribute("from", occupant.OccupantJid.ToString()));
        if ((string?)stanza.Attribute("id") is { } id) message.SetAttributeValue("id", id);
        if ((string?)stanza.Attribute(XNamespace.Xml + "lang") is { } lang) message.SetAttributeValue(XNamespace.Xml + "lang", lang);
        var roomText = room.Jid.ToString();
        foreach (var child in stanza.Elements())
        {
            // the room alone says who sent it and under which id it keeps it
            if (child.Name.NamespaceName == MucNs.OccupantId) continue;
            if (child.Name.NamespaceName == MucNs.StanzaId && (string?)child.Attribute("by") == roomText) continue;
            message.Add(new XElement(child));
        }
        var subject = stanza.Element(Client + "subject");
        var body = stanza.Element(Client + "body");
        if (subject is not null && body is null)
        {
            ChangeSubject(stanza, room, occupant, subject, message);
            return;
        }
        message.Add(new XElement(XName.Get("occupant-id", MucNs.OccupantId), new XAttribute("id", occupant.OccupantId)));
        var now = ctx.Now;
        var keep = body is not null || stanza.Elements().Any(e => ArchivedPayloads.Contains(e.Name.NamespaceName));
        if (keep && (room.Config.Archive || room.Config.HistoryLength > 0))
        {
            string? stanzaId = null;
            if (room.Config.Archive)
            {
                stanzaId = RoomArchive.NewId();
                message.Add(new XElement(XName.Get("stanza-id", MucNs.StanzaId), new XAttribute("id", stanzaId), new XAttribute("by", roomText)));
            }
            var serialized = StanzaCodec.ToBytes(message);
            if (stanzaId is not null) archive.Store(room, serialized, stanzaId, occupant.Nick, now);
            if (room.Config.HistoryLength > 0) room.AddHistory(new HistoryEntry(message, now, serialized.Length));
        }
        ctx.Telemetry.Messages.Add(1);
        broadcast.ToAll(room, message);
    }

    /// <summary>§8.1: moderators, and participants when muc#roomconfig_changesubject allows, set the subject.</summary>
    private void ChangeSubject(XElement stanza, Room room, Occupant occupant, XElement subject, XElement message)
    {
        if (occupant.Role != Role.Moderator && !(room.Config.ChangeSubject && occupant.Role >= Role.Participant))
        {
            ctx.Refuse(stanza, StanzaErrors.Forbidden, StanzaErrors.Auth, "Only moderators may change the subject");
            return;
        }
        room.Subject = subject.Value;
        room.SubjectNick = occupant.Nick;
        if (room.Config.Persistent) ctx.Store.SaveRoom(room);
        broadcast.ToAll(room, message);
    }

    /// <summary>§7.5: a private message between occupants, from the sender's occupant JID to the recipient's session.</summary>
    public void ToOccupant(XElement stanza, Jid from, Room room, string nick)
    {
        var type = (string?)stanza.Attribute("type") ?? "normal";
        if (type == "error")
        {
            presence.RemoveGhost(from, room.Jid, "message error");
            return;
        }
        if (!room.ByRealJid.TryGetValue(from, out var sender))
        {
            ctx.Refuse(stanza, StanzaErrors.NotAcceptable, StanzaErrors.Modify, "Only occupants may send private messages");
            return;
        }
        if (type == "groupchat")
        {
            ctx.Refuse(stanza, StanzaErrors.BadRequest, StanzaErrors.Modify);
            return;
        }
        if (!room.ByNick.TryGetValue(nick, out var recipient))
        {
            ctx.Refuse(stanza, StanzaErrors.ItemNotFound, StanzaErrors.Cancel);
            return;
        }
        var message = new XElement(stanza);
        message.Elements().Where(e => e.Name.NamespaceName is MucNs.OccupantId or MucNs.User).Remove();
        message.SetAttributeValue("from", sender.OccupantJid.ToString());
        message.SetAttributeValue("to", recipient.RealJid.ToString());
        message.Add(new XElement(User + "x"));
        message.Add(new XElement(XName.Get("occupant-id", MucNs.OccupantId), new XAttribute("id", sender.OccupantId)));
        ctx.Send(message);
    }

    /// <summary>
    /// §7.8.2: the room passes an occupant's invitation on (with the password, and a XEP-0249 element
    /// for clients that only know direct invitations). In a members-only room only admins and owners,
    /// or anyone when muc#roomconfig_allowinvites, may invite, and the invitee becomes a member.
    /// </summary>
    private void Invite(XElement stanza, Room room, Jid from, Occupant? occupant, XElement x)
    {
        if (occupant is null)
        {
            ctx.Refuse(stanza, StanzaErrors.NotAcceptable, StanzaErrors.Modify, "Only occupants may invite");
            return;
        }
        var affiliation = room.AffiliationOf(from);
        if (room.Config.MembersOnly && affiliation < Affiliation.Admin && !room.Config.AllowInvites)
        {
            ctx.Refuse(stanza, StanzaErrors.Forbidden, StanzaErrors.Auth, "Only admins may invite to this members-only room");
            return;
        }
        foreach (var invite in x.Elements(User + "invite"))
        {
            if (!Jid.TryParse((string?)invite.Attribute("to"), out var invitee))
            {
                ctx.Refuse(stanza, StanzaErrors.JidMalformed, StanzaErrors.Modify);
                return;
            }
            if (room.Config.MembersOnly) moderation.MakeMember(room, invitee);
            var reason = (string?)invite.Element(User + "reason");
            var userX = new XElement(User + "x", new XElement(User + "invite", new XAttribute("from", from.Bare.ToString()),
                reason is null ? null : new XElement(User + "reason", reason)));
            if (room.Config.Password is { } password) userX.Add(new XElement(User + "password", password));
            var direct = new XElement(XName.Get("x", MucNs.Conference), new XAttribute("jid", room.Jid.ToString()));
            if (reason is not null) direct.SetAttributeValue("reason", reason);
            if (room.Config.Password is { } secret) direct.SetAttributeValue("password", secret);
            ctx.Send(new XElement(Client + "message", new XAttribute("from", room.Jid.ToString()), new XAttribute("to", invitee.ToString()),
                (string?)stanza.Attribute("id") is { } id ? new XAttribute("id", id) : null,
                new XElement(Client + "body", $"{from.Bare} invites you to the room {room.Jid}{(reason is null ? "" : ": " + reason)}"),
                userX, direct));
            ctx.Logger.LogDebug("{Jid} invited {Invitee} to {Room}", from.Bare, invitee.Bare, room.Jid);
        }
    }

    /// <summary>§7.8.3: an invitee's decline goes to the inviter, from the room.</summary>
    private void Decline(Room room, Jid from, XElement decline)
    {
        if (!Jid.TryParse((string?)decline.Attribute("to"), out var inviter))
        {
            ctx.Telemetry.Dropped("decline-without-to");
            ctx.Logger.LogDebug("A decline from {Jid} to {Room} without a valid 'to' dropped", from, room.Jid);
            return;
        }
        var reason = (string?)decline.Element(User + "reason");
        ctx.Send(new XElement(Client + "message", new XAttribute("from", room.Jid.ToString()), new XAttribute("to", inviter.ToString()),
            new XElement(User + "x", new XElement(User + "decline", new XAttribute("from", from.Bare.ToString()),
                reason is null ? null : new XElement(User + "reason", reason)))));
    }

    /// <summary>
    /// §7.13: a visitor asks for voice; every moderator gets the muc#request form to approve. §8.6: a
    /// moderator submits it with muc#request_allow=true and the occupant becomes a participant.
    /// </summary>
    private void VoiceRequest(XElement stanza, Room room, Occupant? occupant, XElement form)
    {
        if (occupant is null)
        {
            ctx.Refuse(stanza, StanzaErrors.NotAcceptable, StanzaErrors.Modify);
            return;
        }
        if (DataForm.Boolean(form, "muc#request_allow") is { } allow)
        {
            if (occupant.Role != Role.Moderator)
            {
                ctx.Refuse(stanza, StanzaErrors.Forbidden, StanzaErrors.Auth);
                return;
            }
            if (!allow) return;
            var nick = DataForm.Value(form, "muc#roomnick");
            if (nick is null || !room.ByNick.TryGetValue(nick, out var target))
            {
                ctx.Refuse(stanza, StanzaErrors.ItemNotFound, StanzaErrors.Cancel);
                return;
            }
            if (target.Role == Role.Visitor && moderation.SetRole(room, occupant, target, Role.Participant, null) is { } refused)
                ctx.Refuse(stanza, refused.Condition, refused.Type);
            return;
        }
        if (DataForm.Value(form, "muc#role") != "participant" || occupant.Role != Role.Visitor)
        {
            ctx.Refuse(stanza, StanzaErrors.BadRequest, StanzaErrors.Modify);
            return;
        }
        var request = new XElement(Client + "message", new XAttribute("from", room.Jid.ToString()),
            DataForm.Form("form", MucNs.Request,
                DataForm.Field("muc#role", "list-single", "Requested role", "participant"),
                DataForm.Field("muc#jid", "jid-single", "User ID", occupant.RealJid.ToString()),
                DataForm.Field("muc#roomnick", "text-single", "Room Nickname", occupant.Nick),
                DataForm.Boolean("muc#request_allow", "Grant voice to this person?", false)));
        request.Element(DataForm.X + "x")!.AddFirst(new XElement(DataForm.X + "title", "Voice request"));
        ctx.SendToEach(request, room.Occupants.Where(o => o.Role == Role.Moderator).Select(o => o.RealJid.ToString()).ToArray());
    }
}
