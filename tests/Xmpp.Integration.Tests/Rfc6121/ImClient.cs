using System.Net.Sockets;
using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Integration.Tests.Clients;

namespace Xmpp.Integration.Tests.Rfc6121;

/// <summary>
/// RFC 6121 conversation steps on top of the harness's <see cref="TestClient"/> (additive helpers,
/// the client itself is unchanged): roster requests, waiting for roster pushes and presence, and
/// checking that something did NOT arrive.
/// </summary>
public static class ImClient
{
    public static readonly XNamespace R = Ns.Roster;

    /// <summary>Sends a roster get (with 'ver' when given) and returns the answer.</summary>
    public static async Task<XElement> GetRosterAsync(this TestClient c, string? ver = null)
    {
        var id = c.NewId("roster");
        var verAttr = ver is null ? "" : $" ver='{ver}'";
        await c.SendAsync($"<iq type='get' id='{id}'><query xmlns='{Ns.Roster}'{verAttr}/></iq>");
        return await c.ExpectAsync(s => s.IsIq() && s.Attr("id") == id, what: $"the answer to roster get '{id}'");
    }

    /// <summary>Sends a roster set with the given item XML and returns the answer (result or error).</summary>
    public static async Task<XElement> SetRosterAsync(this TestClient c, string itemsXml, string? id = null)
    {
        id ??= c.NewId("rset");
        await c.SendAsync($"<iq type='set' id='{id}'><query xmlns='{Ns.Roster}'>{itemsXml}</query></iq>");
        return await c.ExpectAsync(s => s.IsIq() && s.Attr("id") == id && s.Attr("type") is "result" or "error",
            what: $"the answer to roster set '{id}'");
    }

    /// <summary>The single item of a roster push (iq set with a roster query), or null.</summary>
    public static XElement? PushedItem(this XElement s) =>
        s.IsIq() && s.Attr("type") == "set" ? s.Child(Ns.Roster, "query")?.Element(R + "item") : null;

    /// <summary>
    /// Waits for a roster push of <paramref name="jid"/> with that subscription (and 'ask', null: none)
    /// and answers it with a result, as RFC 6121 §2.1.6 asks clients to.
    /// </summary>
    public static async Task<XElement> ExpectPushAsync(this TestClient c, string jid, string subscription, string? ask = null, bool approved = false)
    {
        var push = await c.ExpectAsync(s => s.PushedItem() is { } item && item.Attr("jid") == jid && item.Attr("subscription") == subscription
                                            && item.Attr("ask") == ask && (item.Attr("approved") == "true") == approved,
            what: $"a roster push <item jid='{jid}' subscription='{subscription}'{(ask is null ? "" : $" ask='{ask}'")}{(approved ? " approved='true'" : "")}/>");
        Assert.False(string.IsNullOrEmpty(push.Child(Ns.Roster, "query")!.Attr("ver")), $"a roster push without 'ver': {push.Text()}");
        await c.SendAsync($"<iq type='result' id='{push.Attr("id")}'/>");
        return push;
    }

    /// <summary>Waits for a presence from <paramref name="from"/> of <paramref name="type"/> (null: available).</summary>
    public static Task<XElement> ExpectPresenceAsync(this TestClient c, string from, string? type = null, TimeSpan? timeout = null) =>
        c.ExpectAsync(s => s.IsPresence() && s.Attr("from") == from && s.Attr("type") == type, timeout,
            $"<presence from='{from}'{(type is null ? "" : $" type='{type}'")}/>");

    /// <summary>
    /// Proves a negative: once <paramref name="sender"/>'s earlier stanzas have been handled by sm
    /// (its ping answered) and then <paramref name="receiver"/>'s ping comes back (sm sends in
    /// order), nothing matching <paramref name="unexpected"/> has reached the receiver.
    /// </summary>
    public static async Task AssertNothingAsync(TestClient sender, TestClient receiver, Func<XElement, bool> unexpected, string what)
    {
        await sender.PingServerAsync();
        if (receiver != sender) await receiver.PingServerAsync();
        var got = receiver.History.Where(unexpected).ToArray();
        Assert.True(got.Length == 0, $"{receiver.Name} should not have received {what}, but got: {string.Join(" ", got.Select(g => g.Text()))}");
    }

    /// <summary>The whole handshake both ways through the server (both clients available), until each has pushed 'both'.</summary>
    public static async Task MakeMutualAsync(TestClient a, TestClient b)
    {
        await a.SendAsync($"<presence to='{b.BareJid}' type='subscribe'/>");
        await b.ExpectPresenceAsync(a.BareJid, "subscribe");
        await b.SendAsync($"<presence to='{a.BareJid}' type='subscribed'/>");
        await a.ExpectPresenceAsync(b.BareJid, "subscribed");
        await b.SendAsync($"<presence to='{a.BareJid}' type='subscribe'/>");
        await a.ExpectPresenceAsync(b.BareJid, "subscribe");
        await a.SendAsync($"<presence to='{b.BareJid}' type='subscribed'/>");
        await b.ExpectPresenceAsync(a.BareJid, "subscribed");
        var roster = await a.GetRosterAsync();
        Assert.Equal("both", roster.Descendants(R + "item").Single(i => i.Attr("jid") == b.BareJid).Attr("subscription"));
    }

    /// <summary>
    /// Waits for the echo of the client's own initial presence (sent by the login): from then on
    /// sm counts it as an available resource. The login itself does not wait for it.
    /// </summary>
    public static async Task<TestClient> AvailableAsync(this TestClient c)
    {
        await c.ExpectPresenceAsync(c.Jid);
        return c;
    }

    /// <summary>Closes the stream the polite way (&lt;/stream:stream&gt;) and waits until the server has closed the connection.</summary>
    public static async Task LogoutAsync(this TestClient c)
    {
        await c.SendAsync("</stream:stream>");
        await c.ExpectClosedAsync();
    }

    /// <summary>Drops the client's connection without closing its stream.</summary>
    public static void DropConnection(this TestClient c) => c.Abort();
}
