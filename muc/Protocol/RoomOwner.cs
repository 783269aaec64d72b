using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.Stanzas;

namespace Xmpp.Muc.Protocol;

/// <summary>
/// XEP-0045 §10 muc#owner: the configuration form (get), a submitted form or an instant room (set
/// with an empty submit, §10.1.2) which also unlocks a new room, cancelling a new room's first
/// configuration (it is destroyed, §10.1.3), and destroying a room (§10.9). Owners only.
/// </summary>
public sealed class RoomOwner(MucContext ctx, RoomRegistry rooms, RoomPresence presence, RoomBroadcast broadcast)
{
    private static readonly XNamespace Owner = MucNs.Owner;
    private static readonly XNamespace User = MucNs.User;

    public void Handle(XElement iq, Jid from, Room room)
    {
        if (room.AffiliationOf(from) != Affiliation.Owner)
        {
            ctx.Refuse(iq, StanzaErrors.Forbidden, StanzaErrors.Auth);
            return;
        }
        var query = iq.Element(Owner + "query")!;
        if ((string?)iq.Attribute("type") == "get")
        {
            ctx.Result(iq, new XElement(Owner + "query", RoomConfigForm.Form(room, ctx.Options)));
            return;
        }
        if (query.Element(Owner + "destroy") is { } destroy)
        {
            Destroy(room, destroy);
            ctx.Result(iq);
            return;
        }
        if (query.Element(DataForm.X + "x") is not { } form)
        {
            ctx.Refuse(iq, StanzaErrors.BadRequest, StanzaErrors.Modify);
            return;
        }
        switch ((string?)form.Attribute("type"))
        {
            case "cancel":
                if (room.Locked) Destroy(room, null);
                ctx.Result(iq);
                return;
            case "submit":
                if (DataForm.FormType(form) is { } formType && formType != MucNs.RoomConfig)
                {
                    ctx.Refuse(iq, StanzaErrors.BadRequest, StanzaErrors.Modify);
                    return;
                }
                if (RoomConfigForm.Apply(room.Config, form, ctx.Options, out var error) is not { } config)
                {
                    ctx.Refuse(iq, StanzaErrors.NotAcceptable, StanzaErrors.Modify, error);
                    return;
                }
                Configure(room, config);
                ctx.Result(iq);
                return;
            default:
                ctx.Refuse(iq, StanzaErrors.BadRequest, StanzaErrors.Modify);
                return;
        }
    }

    /// <summary>Applies a new configuration: unlocks the room, tells occupants what changed (104, 170/171, 172/173), stores or forgets it, removes non-members from a room that became members-only (322).</summary>
    public void Configure(Room room, RoomConfig config)
    {
        var old = room.Config;
        var wasLocked = room.Locked;
        room.Config = config;
        room.Locked = false;
        while (room.History.Count > config.HistoryLength) room.History.RemoveFirst();
        if (config.Persistent) ctx.Store.SaveRoom(room);
        else if (old.Persistent)
        {
            ctx.Store.DeleteRoom(room.Jid.ToString());
            room.ArchiveCount = 0;
        }
        ctx.Logger.LogInformation("Room {Room} configured (persistent {Persistent}, members-only {MembersOnly})", room.Jid, config.Persistent, config.MembersOnly);
        if (!wasLocked)
        {
            var codes = new List<int> { 104 };
            if (old.Archive != config.Archive) codes.Add(config.Archive ? 170 : 171);
            if (old.WhoIs != config.WhoIs) codes.Add(config.WhoIs == WhoIs.Anyone ? 172 : 173);
            broadcast.StatusMessage(room, [.. codes]);
        }
        if (config.MembersOnly && !old.MembersOnly)
            foreach (var occupant in room.Occupants.Where(o => room.AffiliationOf(o) < Affiliation.Member).ToArray())
                presence.Remove(room, occupant, new PresenceChange { Unavailable = true, Codes = [322] }, "members-only");
        if (room.ByNick.Count == 0 && !config.Persistent) rooms.Remove(room);
    }

    /// <summary>§10.9: every occupant gets unavailable with &lt;destroy/&gt; (and its reason and alternate venue), then the room and what is stored of it are gone.</summary>
    public void Destroy(Room room, XElement? destroy)
    {
        var element = new XElement(User + "destroy");
        if (Jid.TryParse((string?)destroy?.Attribute("jid"), out var venue)) element.SetAttributeValue("jid", venue.ToString());
        if ((string?)destroy?.Element(Owner + "reason") is { } reason) element.Add(new XElement(User + "reason", reason));
        var change = new PresenceChange { Unavailable = true, Destroy = element };
        foreach (var occupant in room.Occupants.ToArray())
        {
            room.ByNick.Remove(occupant.Nick);
            room.ByRealJid.Remove(occupant.RealJid);
            ctx.Telemetry.OccupantsChanged(-1);
            ctx.Telemetry.Removed("destroyed");
            ctx.Send(RoomBroadcast.Addressed(broadcast.Presence(room, occupant, withJid: true, change, self: true), occupant.RealJid.ToString()));
        }
        rooms.Remove(room);
    }
}
