using System.Security;
using System.Xml.Linq;
using Xmpp.Integration.Tests.Clients;

namespace Xmpp.Integration.Tests.Muc;

/// <summary>What a XEP-0045 client does, on a <see cref="TestClient"/>: enter a room, chat, moderate, configure, query the room's archive.</summary>
public static class MucClient
{
    public const string Muc = "http://jabber.org/protocol/muc";
    public const string User = Muc + "#user";
    public const string Admin = Muc + "#admin";
    public const string Owner = Muc + "#owner";
    public const string Mam = "urn:xmpp:mam:2";
    public const string OccupantIdNs = "urn:xmpp:occupant-id:0";

    /// <summary>The muc#user status codes of a presence or message.</summary>
    public static int[] StatusCodes(this XElement stanza) =>
        stanza.Elements(XName.Get("x", User)).Elements(XName.Get("status", User))
            .Select(s => int.Parse((string)s.Attribute("code")!, System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    public static XElement? MucItem(this XElement presence) => presence.Element(XName.Get("x", User))?.Element(XName.Get("item", User));

    public static string? OccupantId(this XElement stanza) => (string?)stanza.Element(XName.Get("occupant-id", OccupantIdNs))?.Attribute("id");

    public static bool IsFrom(this XElement stanza, string jid) => string.Equals((string?)stanza.Attribute("from"), jid, StringComparison.Ordinal);

    /// <summary>
    /// Enters <paramref name="room"/> as <paramref name="nick"/> and waits for its own presence (status 110)
    /// and the subject, which end the join (§7.2.3, §7.2.15). Returns the self-presence.
    /// </summary>
    public static async Task<XElement> JoinAsync(this TestClient client, string room, string nick, string? password = null, string history = "")
    {
        var occupant = $"{room}/{nick}";
        var pw = password is null ? "" : $"<password>{SecurityElement.Escape(password)}</password>";
        await client.SendAsync($"<presence to='{occupant}'><x xmlns='{Muc}'>{pw}{history}</x></presence>");
        var self = await client.ExpectAsync(p => p.IsPresence() && p.IsFrom(occupant) && (p.StatusCodes().Contains(110) || p.Attr("type") == "error"),
            what: $"own presence in {occupant}");
        if (self.Attr("type") == "error") return self;
        await client.ExpectAsync(m => m.IsMessage() && (m.IsFrom(room) || m.Attr("from")?.StartsWith(room + "/", StringComparison.Ordinal) == true) &&
            m.Element(XName.Get("subject", "jabber:client")) is not null, what: $"the subject of {room}");
        return self;
    }

    /// <summary>A new room (locked, §10.1.1) made an instant room (§10.1.2) by its creator.</summary>
    public static async Task CreateInstantRoomAsync(this TestClient owner, string room, string nick)
    {
        var self = await owner.JoinAsync(room, nick);
        if (!self.StatusCodes().Contains(201)) throw new InvalidOperationException($"{room} existed already: {self.Text()}");
        await owner.IqAsync($"<iq type='set' to='{room}' id='{owner.NewId("instant")}'><query xmlns='{Owner}'><x xmlns='jabber:x:data' type='submit'/></query></iq>");
    }

    /// <summary>Submits a muc#roomconfig form with these fields (var = value).</summary>
    public static Task<XElement> ConfigureAsync(this TestClient owner, string room, params (string Var, string Value)[] fields)
    {
        var xml = string.Concat(fields.Select(f => $"<field var='{f.Var}'><value>{SecurityElement.Escape(f.Value)}</value></field>"));
        return owner.IqAsync($"<iq type='set' to='{room}' id='{owner.NewId("config")}'><query xmlns='{Owner}'><x xmlns='jabber:x:data' type='submit'>" +
            $"<field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>{xml}</x></query></iq>");
    }

    /// <summary>
    /// Pings the service until it answers: after the muc process (re)started, sm learns from the
    /// router that its domain is bound a moment after muc does; until then a stanza for it gets &lt;service-unavailable/&gt;.
    /// </summary>
    public static async Task WaitForServiceAsync(this TestClient client, string domain)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var answer = await client.IqAsync($"<iq type='get' to='{domain}' id='{client.NewId("svc")}'><ping xmlns='urn:xmpp:ping'/></iq>");
            if (answer.Attr("type") == "result") return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{domain} did not answer a ping: {answer.Text()}");
            await Task.Delay(100);
        }
    }

    /// <summary>Sends an iq and waits for its answer (result or error).</summary>
    public static async Task<XElement> IqAsync(this TestClient client, string iq)
    {
        var id = XElement.Parse(iq).Attribute("id")!.Value;
        await client.SendAsync(iq);
        return await client.ExpectAsync(s => s.IsIq() && s.Attr("id") == id && s.Attr("type") is "result" or "error", what: $"the answer to iq {id}");
    }

    public static Task SayAsync(this TestClient client, string room, string body) =>
        client.SendAsync($"<message to='{room}' type='groupchat' id='{client.NewId("gc")}'><body>{SecurityElement.Escape(body)}</body></message>");

    public static Task<XElement> ExpectGroupchatAsync(this TestClient client, string room, string body) =>
        client.ExpectAsync(m => m.IsMessage() && m.Attr("type") == "groupchat" && m.Attr("from")!.StartsWith(room + "/", StringComparison.Ordinal) && m.Body() == body,
            what: $"groupchat '{body}' in {room}");
}
