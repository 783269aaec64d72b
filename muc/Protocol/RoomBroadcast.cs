using System.Xml.Linq;

namespace Xmpp.Muc.Protocol;

/// <summary>
/// Builds what a room sends its occupants: occupants' presences (XEP-0045 §7.2.3: the muc#user item
/// with affiliation and role, the real JID only for those allowed to see it, status codes, the XEP-0421
/// occupant id) and fans one stanza out to many. Each variant of a stanza is built once and
/// serialized once for all its recipients.
/// </summary>
public sealed class RoomBroadcast(MucContext ctx)
{
    private static readonly XNamespace User = MucNs.User;
    private static readonly XNamespace Client = MucContext.Client;

    /// <summary>The presence of <paramref name="occupant"/> as a viewer sees it.</summary>
    public XElement Presence(Room room, Occupant occupant, bool withJid, PresenceChange change, bool self)
    {
        var presence = new XElement(Client + "presence", new XAttribute("from", occupant.OccupantJid.ToString()));
        if (change.Unavailable) presence.SetAttributeValue("type", "unavailable");
        foreach (var child in change.Children ?? (change.Unavailable ? [] : occupant.PresenceChildren)) presence.Add(new XElement(child));
        var item = new XElement(User + "item",
            new XAttribute("affiliation", room.AffiliationOf(occupant).Name()),
            new XAttribute("role", (change.Unavailable && change.NewNick is null ? Role.None : occupant.Role).Name()));
        if (withJid) item.SetAttributeValue("jid", occupant.RealJid.ToString());
        if (change.NewNick is not null) item.SetAttributeValue("nick", change.NewNick);
        foreach (var child in change.ItemChildren) item.Add(new XElement(child));
        var x = new XElement(User + "x", item);
        if (change.Destroy is not null) x.Add(new XElement(change.Destroy));
        foreach (var code in self ? [.. change.Codes, .. change.SelfCodes, 110] : change.Codes)
            x.Add(new XElement(User + "status", new XAttribute("code", code)));
        presence.Add(x);
        presence.Add(new XElement(XName.Get("occupant-id", MucNs.OccupantId), new XAttribute("id", occupant.OccupantId)));
        return presence;
    }

    /// <summary>
    /// Sends <paramref name="occupant"/>'s presence to every occupant of the room and to the occupant
    /// itself (also when it is no longer in the room: it left or was removed).
    /// </summary>
    public void PresenceToAll(Room room, Occupant occupant, PresenceChange change)
    {
        ctx.Send(Addressed(Presence(room, occupant, withJid: true, change, self: true), occupant.RealJid.ToString()));
        List<string>? seeing = null, notSeeing = null;
        foreach (var other in room.Occupants)
        {
            if (ReferenceEquals(other, occupant)) continue;
            if (room.SeesRealJids(other)) (seeing ??= []).Add(other.RealJid.ToString());
            else (notSeeing ??= []).Add(other.RealJid.ToString());
        }
        if (seeing is not null) ctx.SendToEach(Presence(room, occupant, withJid: true, change, self: false), seeing);
        if (notSeeing is not null) ctx.SendToEach(Presence(room, occupant, withJid: false, change, self: false), notSeeing);
    }

    /// <summary>A stanza from the room to every occupant.</summary>
    public void ToAll(Room room, XElement stanza) =>
        ctx.SendToEach(stanza, room.Occupants.Select(o => o.RealJid.ToString()).ToArray());

    /// <summary>A message from the room's bare JID to every occupant carrying only status codes (e.g. 104: the configuration changed).</summary>
    public void StatusMessage(Room room, params int[] codes)
    {
        if (codes.Length == 0) return;
        ToAll(room, new XElement(Client + "message", new XAttribute("from", room.Jid.ToString()), new XAttribute("type", "groupchat"),
            new XElement(User + "x", codes.Select(c => new XElement(User + "status", new XAttribute("code", c))))));
    }

    public static XElement Addressed(XElement stanza, string to)
    {
        stanza.SetAttributeValue("to", to);
        return stanza;
    }
}
