using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;
using static Xmpp.Integration.Tests.Rfc6121.ImClient;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>
/// Issue 19 over real sockets: XEP-0030 on the server and on accounts (an iq with no 'to' is for
/// the account, RFC 6120 §10.3.3), XEP-0199 ping, XEP-0092 version, XEP-0202 time, XEP-0012 last activity.
/// </summary>
public sealed class ServerAndAccountIqTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    private static readonly XNamespace Info = Ns.DiscoInfo;

    private static async Task<XElement> AskAsync(TestClient c, string to, string payload)
    {
        var id = c.NewId("iq");
        await c.SendAsync($"<iq type='get' id='{id}'{(to.Length > 0 ? $" to='{to}'" : "")}>{payload}</iq>");
        return await c.ExpectAsync(s => s.IsIq() && s.Attr("id") == id && s.Attr("type") is "result" or "error", what: $"the answer to iq '{id}'");
    }

    private static List<string> Features(XElement result) => result.Descendants(Info + "feature").Select(f => f.Attr("var")!).ToList();

    /// <summary>The identities a disco#info result names (an account also has pubsub/pep, XEP-0163).</summary>
    private static List<(string?, string?)> Identities(XElement result) =>
        result.Descendants(Info + "identity").Select(i => (i.Attr("category"), i.Attr("type"))).ToList();

    [Fact]
    public async Task Disco_info_with_no_to_is_answered_for_the_account_not_the_server()
    {
        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), C2s1, "phone");

        var result = await AskAsync(alice, "", $"<query xmlns='{Ns.DiscoInfo}'/>");

        Assert.Equal("result", result.Attr("type"));
        Assert.Contains(("account", "registered"), Identities(result));
        Assert.DoesNotContain("msgoffline", Features(result)); // a server feature
        Assert.Contains(Ns.Ping, Features(result));
    }

    [Fact]
    public async Task Disco_info_of_the_server_lists_what_its_modules_answer()
    {
        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), C2s2, "phone");

        var info = await AskAsync(alice, "localhost", $"<query xmlns='{Ns.DiscoInfo}'/>");
        var items = await AskAsync(alice, "localhost", $"<query xmlns='{Ns.DiscoItems}'/>");

        Assert.Contains(("server", "im"), Identities(info));
        foreach (var feature in new[] { Ns.DiscoInfo, Ns.DiscoItems, Ns.Ping, "jabber:iq:version", "urn:xmpp:time", "jabber:iq:last", "msgoffline" })
            Assert.Contains(feature, Features(info));
        Assert.Equal("result", items.Attr("type"));
    }

    [Fact]
    public async Task Disco_and_ping_on_another_account_answer_its_contacts_and_refuse_strangers()
    {
        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), C2s1, "phone");
        var bob = await LoginAsync(await Cluster.NewUserAsync("bob"), C2s2, "pc");
        var carol = await LoginAsync(await Cluster.NewUserAsync("carol"), C2s2, "tab");
        await MakeMutualAsync(alice, bob);

        Assert.Contains(("account", "registered"), Identities(await AskAsync(bob, alice.BareJid, $"<query xmlns='{Ns.DiscoInfo}'/>")));
        Assert.Equal("result", (await AskAsync(bob, alice.BareJid, "<ping xmlns='urn:xmpp:ping'/>")).Attr("type"));
        Assert.Equal("service-unavailable", (await AskAsync(carol, alice.BareJid, $"<query xmlns='{Ns.DiscoInfo}'/>")).ErrorCondition());
        Assert.Equal("service-unavailable", (await AskAsync(carol, alice.BareJid, "<ping xmlns='urn:xmpp:ping'/>")).ErrorCondition());
    }

    [Fact]
    public async Task Version_names_the_software_but_not_the_os_and_time_is_utc_now()
    {
        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), C2s1, "phone");

        var version = (await AskAsync(alice, "localhost", "<query xmlns='jabber:iq:version'/>")).Child("jabber:iq:version", "query")!;
        var before = DateTimeOffset.UtcNow;
        var time = (await AskAsync(alice, "localhost", "<time xmlns='urn:xmpp:time'/>")).Child("urn:xmpp:time", "time")!;

        Assert.False(string.IsNullOrEmpty(version.Child("jabber:iq:version", "name")?.Value));
        Assert.False(string.IsNullOrEmpty(version.Child("jabber:iq:version", "version")?.Value));
        Assert.Null(version.Child("jabber:iq:version", "os"));
        Assert.Equal("+00:00", time.Child("urn:xmpp:time", "tzo")?.Value);
        var utc = DateTimeOffset.Parse(time.Child("urn:xmpp:time", "utc")!.Value, CultureInfo.InvariantCulture);
        Assert.InRange(utc, before.AddSeconds(-5), DateTimeOffset.UtcNow.AddSeconds(5));
    }

    [Fact]
    public async Task Last_activity_gives_uptime_the_logout_and_status_to_contacts_and_forbidden_to_strangers()
    {
        var aliceAccount = await Cluster.NewUserAsync("alice");
        var alice = await LoginAsync(aliceAccount, C2s1, "phone");
        var bob = await LoginAsync(await Cluster.NewUserAsync("bob"), C2s2, "pc");
        var carol = await LoginAsync(await Cluster.NewUserAsync("carol"), C2s2, "tab");
        await MakeMutualAsync(alice, bob);

        var uptime = await AskAsync(carol, "localhost", "<query xmlns='jabber:iq:last'/>");
        Assert.True(long.Parse(uptime.Child("jabber:iq:last", "query")!.Attr("seconds")!, CultureInfo.InvariantCulture) >= 0);
        Assert.Equal("0", (await AskAsync(bob, alice.BareJid, "<query xmlns='jabber:iq:last'/>")).Child("jabber:iq:last", "query")!.Attr("seconds"));

        await alice.SendAsync("<presence type='unavailable'><status>gone fishing</status></presence>");
        await bob.ExpectPresenceAsync(alice.Jid, "unavailable");
        var smLines = Cluster.Sm.LineCount;
        await alice.LogoutAsync();
        // sm logs the end of the session once c2s told it; the logout is recorded by then
        await Cluster.Sm.WaitForLineAsync(new Regex($"Session \\S+ of {Regex.Escape(alice.Jid)} ended"), TestClient.DefaultTimeout, smLines);
        var last = (await AskAsync(bob, alice.BareJid, "<query xmlns='jabber:iq:last'/>")).Child("jabber:iq:last", "query")!;

        Assert.Equal("gone fishing", last.Value);
        Assert.InRange(long.Parse(last.Attr("seconds")!, CultureInfo.InvariantCulture), 0, 30);
        Assert.Equal("forbidden", (await AskAsync(carol, alice.BareJid, "<query xmlns='jabber:iq:last'/>")).ErrorCondition());
    }
}
