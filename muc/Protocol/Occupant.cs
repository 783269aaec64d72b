using System.Xml.Linq;
using Xmpp.Common;

namespace Xmpp.Muc.Protocol;

/// <summary>One occupant of a room: its nick, the session it joined from, its role and its last presence.</summary>
public sealed class Occupant(Jid roomJid, string nick, Jid realJid, string occupantId)
{
    public string Nick { get; private set; } = nick;

    /// <summary>room@service/nick</summary>
    public Jid OccupantJid { get; private set; } = roomJid.WithResource(nick);

    /// <summary>The full JID of the session that joined.</summary>
    public Jid RealJid { get; } = realJid;

    /// <summary>XEP-0421: stable per real bare JID within the room.</summary>
    public string OccupantId { get; } = occupantId;

    public Role Role { get; set; }

    /// <summary>The children of its last available presence (show, status, caps...) without MUC or occupant-id elements.</summary>
    public IReadOnlyList<XElement> PresenceChildren { get; set; } = [];

    public void Rename(string nick)
    {
        Nick = nick;
        OccupantJid = OccupantJid.Bare.WithResource(nick);
    }
}
