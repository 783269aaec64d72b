using System.Globalization;
using System.Xml.Linq;
using Xmpp.Common;

namespace Xmpp.Muc.Protocol;

/// <summary>
/// XEP-0030 for the service and its rooms (XEP-0045 §6): the service is a conference/text identity
/// listing its public rooms; a room tells its features (muc_persistent/muc_temporary, muc_open/
/// muc_membersonly, ...; MAM, occupant ids, self-ping, stable ids) and a muc#roominfo form.
/// </summary>
public sealed class MucDisco(RoomRegistry rooms)
{
    private static readonly XNamespace Info = MucNs.DiscoInfo;
    private static readonly XNamespace Items = MucNs.DiscoItems;

    public XElement ServiceInfo() =>
        new(Info + "query",
            new XElement(Info + "identity", new XAttribute("category", "conference"), new XAttribute("type", "text"), new XAttribute("name", "Chatrooms")),
            Features(MucNs.DiscoInfo, MucNs.DiscoItems, MucNs.Muc, MucNs.Ping));

    /// <summary>§6.3: the public rooms (unlocked, muc#roomconfig_publicroom).</summary>
    public XElement ServiceItems() =>
        new(Items + "query", rooms.All.Where(r => r.Config.Public && !r.Locked).OrderBy(r => r.Jid.ToString(), StringComparer.Ordinal)
            .Select(r => new XElement(Items + "item", new XAttribute("jid", r.Jid.ToString()), new XAttribute("name", RoomName(r)))));

    /// <summary>§6.4: the room's identity, features and muc#roominfo form.</summary>
    public static XElement RoomInfo(Room room)
    {
        var c = room.Config;
        var features = new List<string>
        {
            MucNs.DiscoInfo, MucNs.DiscoItems, MucNs.Muc, MucNs.StableId, MucNs.SelfPingOptimization, MucNs.OccupantId, MucNs.StanzaId, MucNs.Conference,
            c.Persistent ? "muc_persistent" : "muc_temporary",
            c.Public ? "muc_public" : "muc_hidden",
            c.MembersOnly ? "muc_membersonly" : "muc_open",
            c.Moderated ? "muc_moderated" : "muc_unmoderated",
            c.WhoIs == WhoIs.Anyone ? "muc_nonanonymous" : "muc_semianonymous",
            c.Password is not null ? "muc_passwordprotected" : "muc_unsecured",
        };
        if (c.Archive) features.Add(MucNs.Mam);
        var form = DataForm.Form("result", MucNs.RoomInfo,
            DataForm.Field("muc#roominfo_description", "text-single", "Description", c.Description),
            DataForm.Field("muc#roomconfig_roomname", "text-single", "Name", RoomName(room)),
            DataForm.Field("muc#roominfo_occupants", "text-single", "Number of occupants", room.ByNick.Count.ToString(CultureInfo.InvariantCulture)),
            DataForm.Field("muc#roominfo_subject", "text-single", "Subject", room.Subject),
            DataForm.Field("muc#roomconfig_changesubject", "boolean", "Occupants may change the subject", c.ChangeSubject ? "1" : "0"),
            DataForm.Field("muc#maxhistoryfetch", "text-single", "Messages of history on entering", c.HistoryLength.ToString(CultureInfo.InvariantCulture)));
        return new XElement(Info + "query",
            new XElement(Info + "identity", new XAttribute("category", "conference"), new XAttribute("type", "text"), new XAttribute("name", RoomName(room))),
            Features([.. features]), form);
    }

    /// <summary>§6.5: occupants are not listed (their nicks are for occupants to see).</summary>
    public static XElement RoomItems() => new(Items + "query");

    private static string RoomName(Room room) => room.Config.Name.Length > 0 ? room.Config.Name : room.Jid.Local ?? room.Jid.ToString();

    private static IEnumerable<XElement> Features(params string[] vars) =>
        vars.Select(v => new XElement(Info + "feature", new XAttribute("var", v)));
}
