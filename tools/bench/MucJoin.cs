using System.Xml.Linq;

namespace Xmpp.Bench;

/// <summary>
/// Joining a XEP-0045 room as a client does: presence to room@service/nick with the muc element
/// and no discussion history (§7.2.1, §7.2.14), then stanzas are read until the self-presence
/// (§7.2.3: status 110, or the presence from our own occupant JID). The room's presences of the
/// other occupants, which come before it, go to <c>onPresence</c>. A room the join just created
/// (status 201, §10.1.1) is accepted as an instant room: an empty muc#owner form is submitted
/// (§10.1.2), which unlocks it on servers that lock new rooms until configured (Prosody, ours).
/// </summary>
internal static class MucJoin
{
    public const string Muc = "http://jabber.org/protocol/muc";
    public const string MucUser = Muc + "#user";
    public const string MucOwner = Muc + "#owner";
    private static readonly XName UserX = XName.Get("x", MucUser);
    private static readonly XName Status = XName.Get("status", MucUser);

    /// <summary>Joins; true if this join created the room (and submitted the instant-room form).</summary>
    public static async Task<bool> JoinAsync(XmppConn conn, string room, string nick, Action<XmppConn, XElement> onPresence, CancellationToken ct)
    {
        var occupantJid = $"{room}/{nick}";
        await conn.WriteAsync(
            $"<presence to='{XmppConn.Escape(occupantJid)}'><x xmlns='{Muc}'><history maxstanzas='0'/></x></presence>", ct);
        while (true)
        {
            var e = await conn.ReadStanzaAsync(ct);
            if (e.Name.LocalName == "iq" && e.Attribute("type")?.Value is "get" or "set")
            {
                await conn.AnswerIqAsync(e, ct);
                continue;
            }
            if (e.Name.LocalName != "presence") continue; // the room's subject, messages: not counted
            var from = e.Attribute("from")?.Value ?? "";
            if (e.Attribute("type")?.Value == "error" && (from == occupantJid || from == room))
                throw new BenchException("join refused: " + ErrorCondition(e));
            if (!from.StartsWith(room + "/", StringComparison.Ordinal)) continue;
            onPresence(conn, e);
            var codes = StatusCodes(e);
            if (from != occupantJid && !codes.Contains("110")) continue;
            if (!codes.Contains("201")) return false;
            await SubmitInstantRoomAsync(conn, room, onPresence, ct);
            return true;
        }
    }

    /// <summary>The status codes of a room presence (muc#user x, status code attributes).</summary>
    public static HashSet<string> StatusCodes(XElement presence) =>
        presence.Elements(UserX).Elements(Status).Select(s => s.Attribute("code")?.Value ?? "").ToHashSet(StringComparer.Ordinal);

    private static async Task SubmitInstantRoomAsync(XmppConn conn, string room, Action<XmppConn, XElement> onPresence, CancellationToken ct)
    {
        const string id = "instant1";
        await conn.WriteAsync(
            $"<iq type='set' id='{id}' to='{XmppConn.Escape(room)}'><query xmlns='{MucOwner}'><x xmlns='jabber:x:data' type='submit'/></query></iq>", ct);
        while (true)
        {
            var e = await conn.ReadStanzaAsync(ct);
            switch (e.Name.LocalName)
            {
                case "presence" when (e.Attribute("from")?.Value ?? "").StartsWith(room + "/", StringComparison.Ordinal):
                    onPresence(conn, e);
                    break;
                case "iq" when e.Attribute("id")?.Value == id:
                    if (e.Attribute("type")?.Value != "result") throw new BenchException("instant room refused: " + ErrorCondition(e));
                    return;
                case "iq" when e.Attribute("type")?.Value is "get" or "set":
                    await conn.AnswerIqAsync(e, ct);
                    break;
            }
        }
    }

    private static string ErrorCondition(XElement stanza) =>
        stanza.Elements().FirstOrDefault(x => x.Name.LocalName == "error")?.Elements().FirstOrDefault()?.Name.LocalName ?? "?";
}
