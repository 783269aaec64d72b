using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.Stanzas;

namespace Xmpp.Muc.Protocol;

/// <summary>
/// XEP-0045 §7.1-7.2, 7.6, 7.14: presence to room@service/nick. Entering (creating the room if it
/// does not exist: §10.1), presence updates, nick changes (303), leaving; and the error presence of
/// a session that is gone, which removes its occupant (333). Occupants' removal by the moderation
/// parts goes through <see cref="Remove"/> too.
/// </summary>
public sealed class RoomPresence(MucContext ctx, RoomRegistry rooms, RoomBroadcast broadcast)
{
    private static readonly XNamespace Muc = MucNs.Muc;
    private static readonly XNamespace Client = MucContext.Client;

    public void Handle(XElement stanza, Jid from, Jid to)
    {
        var type = (string?)stanza.Attribute("type");
        if (type == "error")
        {
            RemoveGhost(from, to, "presence error");
            return;
        }
        if (to.IsBare)
        {
            // §7.2.1: a nick is required
            if (type is null) ctx.Refuse(stanza, StanzaErrors.JidMalformed, StanzaErrors.Modify);
            else ctx.Drop(stanza, "presence-to-room");
            return;
        }
        switch (type)
        {
            case null: Available(stanza, from, to); break;
            case "unavailable": Unavailable(stanza, from, to); break;
            default: ctx.Drop(stanza, "presence-" + type); break; // subscriptions and probes mean nothing to a room
        }
    }

    private void Available(XElement stanza, Jid from, Jid to)
    {
        var nick = to.Resource!;
        var room = rooms.Find(to.Bare);
        if (room is not null && room.ByRealJid.TryGetValue(from, out var occupant))
        {
            if (occupant.Nick == nick)
            {
                occupant.PresenceChildren = Children(stanza);
                broadcast.PresenceToAll(room, occupant, PresenceChange.Available);
            }
            else
            {
                ChangeNick(room, occupant, nick, stanza);
            }
            return;
        }
        var x = stanza.Element(Muc + "x");
        var created = false;
        if (room is null)
        {
            if (rooms.MayCreate(from) is { } refusal)
            {
                ctx.Refuse(stanza, refusal, refusal == StanzaErrors.ResourceConstraint ? StanzaErrors.Wait : StanzaErrors.Cancel);
                return;
            }
            room = rooms.Create(to.Bare, from);
            // §10.1.1: a client that speaks MUC gets a locked room to configure; a groupchat 1.0 client an instant room
            room.Locked = x is not null;
            created = true;
        }
        Enter(room, stanza, from, nick, x, created);
    }

    private void Enter(Room room, XElement stanza, Jid from, string nick, XElement? x, bool created)
    {
        var affiliation = room.AffiliationOf(from);
        if (Refusal(room, affiliation, nick, x) is { } refused)
        {
            ctx.Refuse(stanza, refused.Condition, refused.Type);
            return;
        }
        var occupant = new Occupant(room.Jid, nick, from, OccupantIds.For(room.Secret, from))
        {
            Role = room.DefaultRole(affiliation),
            PresenceChildren = Children(stanza),
        };
        // §7.2.3: the occupants first, then its own presence, then history, then the subject
        var sees = room.SeesRealJids(occupant);
        foreach (var other in room.Occupants)
            ctx.Send(RoomBroadcast.Addressed(broadcast.Presence(room, other, sees, PresenceChange.Available, self: false), from.ToString()));
        room.ByNick[nick] = occupant;
        room.ByRealJid[from] = occupant;
        ctx.Telemetry.OccupantsChanged(1);
        var selfCodes = new List<int>();
        if (room.Config.WhoIs == WhoIs.Anyone) selfCodes.Add(100);
        if (room.Config.Archive) selfCodes.Add(170);
        if (created) selfCodes.Add(201);
        broadcast.PresenceToAll(room, occupant, new PresenceChange { SelfCodes = [.. selfCodes] });

        var now = ctx.Now;
        foreach (var entry in HistoryRequest.Parse(x?.Element(Muc + "history")).Select(room.History, now))
        {
            var message = new XElement(entry.Message);
            message.SetAttributeValue("to", from.ToString());
            message.Add(new XElement(XName.Get("delay", MucNs.Delay), new XAttribute("from", room.Jid.ToString()),
                new XAttribute("stamp", entry.Stamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture))));
            ctx.Send(message);
        }
        ctx.Send(SubjectMessage(room, from.ToString()));
        ctx.Logger.LogDebug("{Jid} entered {Room} as {Nick}", from, room.Jid, nick);
    }

    private readonly record struct Refused(string Condition, string Type);

    /// <summary>§7.2.4-7.2.10, §10.1.3: why this user may not enter under this nick, or null.</summary>
    private Refused? Refusal(Room room, Affiliation affiliation, string nick, XElement? x)
    {
        if (affiliation == Affiliation.Outcast) return new(StanzaErrors.Forbidden, StanzaErrors.Auth);
        if (room.ByNick.ContainsKey(nick)) return new(StanzaErrors.Conflict, StanzaErrors.Cancel);
        if (room.Locked && affiliation != Affiliation.Owner) return new(StanzaErrors.ItemNotFound, StanzaErrors.Cancel);
        if (room.Config.MembersOnly && affiliation < Affiliation.Member) return new("registration-required", StanzaErrors.Auth);
        if (room.Config.Password is { } password && affiliation != Affiliation.Owner && (string?)x?.Element(Muc + "password") != password)
            return new(StanzaErrors.NotAuthorized, StanzaErrors.Auth);
        var count = room.ByNick.Count;
        if (count >= ctx.Options.MaxOccupantsPerRoom || (count >= room.Config.MaxUsers && affiliation < Affiliation.Admin))
            return new(StanzaErrors.ServiceUnavailable, StanzaErrors.Wait);
        return null;
    }

    /// <summary>§7.6: unavailable from the old nick with 303 and the new one, then available from the new nick.</summary>
    private void ChangeNick(Room room, Occupant occupant, string nick, XElement stanza)
    {
        if (room.ByNick.ContainsKey(nick))
        {
            ctx.Refuse(stanza, StanzaErrors.Conflict, StanzaErrors.Cancel);
            return;
        }
        broadcast.PresenceToAll(room, occupant, new PresenceChange { Unavailable = true, Codes = [303], NewNick = nick, Children = [] });
        room.ByNick.Remove(occupant.Nick);
        occupant.Rename(nick);
        room.ByNick[nick] = occupant;
        occupant.PresenceChildren = Children(stanza);
        broadcast.PresenceToAll(room, occupant, PresenceChange.Available);
    }

    private void Unavailable(XElement stanza, Jid from, Jid to)
    {
        if (rooms.Find(to.Bare) is not { } room || !room.ByRealJid.TryGetValue(from, out var occupant))
        {
            ctx.Drop(stanza, "unavailable-from-non-occupant");
            return;
        }
        Remove(room, occupant, new PresenceChange { Unavailable = true, Children = Children(stanza) }, "left");
    }

    /// <summary>
    /// §7.2.3 ghost removal: an error from an occupant's session (sm bounces what the room sends to a
    /// session that is gone, &lt;service-unavailable/&gt;) means it is not there any more: it is removed
    /// and the others see it leave with status 333.
    /// </summary>
    public void RemoveGhost(Jid realJid, Jid roomOrOccupant, string why)
    {
        if (rooms.Find(roomOrOccupant.Bare) is not { } room || !room.ByRealJid.TryGetValue(realJid, out var occupant))
        {
            ctx.Telemetry.Dropped("error-from-non-occupant");
            ctx.Logger.LogDebug("An error from {Jid}, not an occupant of {Room}, ignored", realJid, roomOrOccupant.Bare);
            return;
        }
        ctx.Logger.LogInformation("{Jid} removed from {Room} after a {Why}: its session is gone", realJid, room.Jid, why);
        Remove(room, occupant, new PresenceChange { Unavailable = true, Codes = [333] }, "error");
    }

    /// <summary>Takes the occupant out of the room, tells it and everyone (<paramref name="change"/>), and ends a temporary room left empty.</summary>
    public void Remove(Room room, Occupant occupant, PresenceChange change, string reason)
    {
        room.ByNick.Remove(occupant.Nick);
        room.ByRealJid.Remove(occupant.RealJid);
        ctx.Telemetry.OccupantsChanged(-1);
        if (reason != "left") ctx.Telemetry.Removed(reason);
        broadcast.PresenceToAll(room, occupant, change);
        if (room.ByNick.Count == 0 && !room.Config.Persistent) rooms.Remove(room);
    }

    /// <summary>§7.2.15: the subject, always sent on entering (empty &lt;subject/&gt; when none).</summary>
    public static XElement SubjectMessage(Room room, string to) =>
        new(Client + "message", new XAttribute("type", "groupchat"), new XAttribute("to", to),
            new XAttribute("from", room.SubjectNick.Length > 0 ? room.Jid.WithResource(room.SubjectNick).ToString() : room.Jid.ToString()),
            new XElement(Client + "subject", room.Subject));

    /// <summary>What of a presence an occupant's broadcast repeats: show, status, priority, caps... not the MUC elements or a forged occupant id.</summary>
    public static IReadOnlyList<XElement> Children(XElement presence) =>
        presence.Elements().Where(e => e.Name.NamespaceName is not (MucNs.Muc or MucNs.User or MucNs.OccupantId) && e.Name.LocalName != "error")
            .Select(e => new XElement(e)).ToArray();
}
