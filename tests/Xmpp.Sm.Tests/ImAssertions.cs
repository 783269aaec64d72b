using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Protos;
using static Xmpp.Sm.Tests.SmHarness;

namespace Xmpp.Sm.Tests;

/// <summary>Readers for what IM tests look for among sm's frames: roster pushes, presence, errors.</summary>
public static class ImAssertions
{
    public static readonly XNamespace R = Ns.Roster;

    /// <summary>The items of the roster pushes to <paramref name="client"/>; every push must carry a 'ver' (RFC 6121 §2.6).</summary>
    public static List<XElement> Pushes(IEnumerable<Frame> frames, Client client)
    {
        var items = new List<XElement>();
        foreach (var iq in StanzasTo(frames, client).Where(s => s.Name == C("iq") && (string?)s.Attribute("type") == "set"))
        {
            var query = iq.Element(R + "query")!;
            Assert.False(string.IsNullOrEmpty((string?)query.Attribute("ver")), $"a roster push without 'ver': {iq}");
            items.Add(Assert.Single(query.Elements(R + "item")));
        }
        return items;
    }

    public static XElement SinglePush(IEnumerable<Frame> frames, Client client) => Assert.Single(Pushes(frames, client));

    /// <summary>Asserts the pushed item's jid, subscription and ask ('ask' null: no attribute).</summary>
    public static void AssertItem(XElement item, string jid, string subscription, string? ask = null, bool approved = false)
    {
        Assert.Equal(jid, (string?)item.Attribute("jid"));
        Assert.Equal(subscription, (string?)item.Attribute("subscription"));
        Assert.Equal(ask, (string?)item.Attribute("ask"));
        Assert.Equal(approved ? "true" : null, (string?)item.Attribute("approved"));
    }

    /// <summary>The presence stanzas to <paramref name="client"/>, optionally only those of a type ("" = available).</summary>
    public static List<XElement> Presences(IEnumerable<Frame> frames, Client client, string? type = null) =>
        StanzasTo(frames, client)
            .Where(s => s.Name == C("presence") && (type is null || ((string?)s.Attribute("type") ?? "") == type))
            .ToList();

    public static XElement SinglePresence(IEnumerable<Frame> frames, Client client, string? type = null) =>
        Assert.Single(Presences(frames, client, type));

    public static void AssertPresence(XElement presence, string from, string? to, string? type)
    {
        Assert.Equal(from, (string?)presence.Attribute("from"));
        if (to is not null) Assert.Equal(to, (string?)presence.Attribute("to"));
        Assert.Equal(type, (string?)presence.Attribute("type"));
    }

    /// <summary>The roster as storage has it: contact -> "subscription[+ask][+approved]".</summary>
    public static Dictionary<string, string> RosterOf(SmHarness h, string user) =>
        h.Storage.GetRoster(user).ToDictionary(i => i.Jid,
            i => i.Subscription + (i.Ask is null ? "" : "+ask") + (i.Approved ? "+approved" : ""));

    /// <summary>Makes the session interested (roster get) and forgets what that produced.</summary>
    public static Client Interested(this SmHarness h, Client client)
    {
        h.Send(client, "<iq type='get' id='roster-get'><query xmlns='jabber:iq:roster'/></iq>");
        h.Take();
        return client;
    }

    /// <summary>A started session that asked for its roster and sent initial presence.</summary>
    public static Client OnlineInterested(this SmHarness h, string fullJid, int priority = 0, string c2s = C2s1)
    {
        var client = h.Start(fullJid, c2s);
        h.Interested(client);
        h.Send(client, $"<presence><priority>{priority}</priority></presence>");
        h.Take();
        return client;
    }

    /// <summary>Runs the whole handshake both ways, so that both rosters say 'both'.</summary>
    public static void MakeMutual(this SmHarness h, Client a, Client b)
    {
        var aBare = Bare(a.Jid);
        var bBare = Bare(b.Jid);
        h.Send(a, $"<presence to='{bBare}' type='subscribe'/>");
        h.Send(b, $"<presence to='{aBare}' type='subscribed'/>");
        h.Send(b, $"<presence to='{aBare}' type='subscribe'/>");
        h.Send(a, $"<presence to='{bBare}' type='subscribed'/>");
        h.Take();
        Assert.Equal("both", RosterOf(h, aBare)[bBare]);
        Assert.Equal("both", RosterOf(h, bBare)[aBare]);
    }

    public static string Bare(string jid) => jid.Split('/', 2)[0];

    public static Frame End(Client client) =>
        new() { To = SmAddress, From = client.C2s, Session = new Session { Action = Session.Types.Action.End, C2SSession = client.C2sSession, SmSession = client.SmSession } };
}
