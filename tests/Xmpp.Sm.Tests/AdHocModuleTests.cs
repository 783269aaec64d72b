using System.Xml.Linq;
using static Xmpp.Sm.Tests.SmHarness;

namespace Xmpp.Sm.Tests;

/// <summary>XEP-0050 sessions and XEP-0133 admin commands in sm: admins only, bounded sessions, expiry, the actions.</summary>
public sealed class AdHocModuleTests : IDisposable
{
    private const string AddUser = "http://jabber.org/protocol/admin#add-user";
    private const string Announce = "http://jabber.org/protocol/admin#announce";
    private static readonly XNamespace Cmd = "http://jabber.org/protocol/commands";
    private readonly ManualClock _clock = new();
    private readonly SmHarness _h;
    private readonly Client _admin;
    private readonly Client _user;

    public AdHocModuleTests()
    {
        _h = new SmHarness(o => o.Admins.Add("Boss@localhost"), _clock, settings: new Dictionary<string, string?>
        {
            ["Sm:AdHoc:MaxSessionsPerUser"] = "2",
            ["Sm:AdHoc:SessionTimeout"] = "00:01:00",
        });
        _h.CreateUser("boss");
        _h.CreateUser("user");
        _admin = _h.Online("boss@localhost/console");
        _user = _h.Online("user@localhost/phone");
    }

    public void Dispose() => _h.Dispose();

    private XElement Command(Client client, string node, string? session = null, string? action = null, string payload = "") =>
        SingleStanzaTo(_h.Send(client, $"<iq type='set' id='c' to='localhost'><command xmlns='{Cmd.NamespaceName}' node='{node}'" +
            (session is null ? "" : $" sessionid='{session}'") + (action is null ? "" : $" action='{action}'") + $">{payload}</command></iq>"), client);

    private static string Form(params (string Var, string Value)[] fields) =>
        "<x xmlns='jabber:x:data' type='submit'>" + string.Concat(fields.Select(f => $"<field var='{f.Var}'><value>{f.Value}</value></field>")) + "</x>";

    private static string? Specific(XElement error) => error.Descendants().FirstOrDefault(d => d.Name.Namespace == Cmd)?.Name.LocalName;

    [Fact]
    public void A_non_admin_gets_forbidden_and_no_account_is_made()
    {
        var execute = Command(_user, AddUser);
        var direct = Command(_user, AddUser, action: "complete", payload: Form(("accountjid", "sneaky@localhost"), ("password", "x")));

        Assert.Equal("forbidden", ErrorCondition(execute));
        Assert.Equal("forbidden", ErrorCondition(direct));
        Assert.False(_h.Storage.Exists("sneaky@localhost"));
    }

    [Fact]
    public void The_admin_adds_a_user_through_the_form()
    {
        var form = Command(_admin, AddUser).Element(Cmd + "command")!;
        Assert.Equal("executing", (string?)form.Attribute("status"));
        var done = Command(_admin, AddUser, (string?)form.Attribute("sessionid"), "complete",
            Form(("accountjid", "fresh@localhost"), ("password", "pw"), ("password-verify", "pw"))).Element(Cmd + "command")!;

        Assert.Equal("completed", (string?)done.Attribute("status"));
        Assert.Equal("info", (string?)done.Element(Cmd + "note")?.Attribute("type"));
        Assert.True(_h.Storage.Exists("fresh@localhost"));
    }

    [Fact]
    public void Sessions_are_bounded_per_user_and_expire_when_idle()
    {
        var first = (string?)Command(_admin, Announce).Element(Cmd + "command")!.Attribute("sessionid");
        Command(_admin, Announce);
        var third = Command(_admin, Announce);
        Assert.Equal("resource-constraint", ErrorCondition(third));

        _clock.Now += TimeSpan.FromMinutes(2);
        var expired = Command(_admin, Announce, first, "complete", Form(("announcement", "hi")));
        var unknown = Command(_admin, Announce, "nope", "complete", Form(("announcement", "hi")));
        var again = Command(_admin, Announce); // the expired ones made room

        Assert.Equal("not-allowed", ErrorCondition(expired));
        Assert.Equal("session-expired", Specific(expired));
        Assert.Equal("bad-sessionid", Specific(unknown));
        Assert.Equal("executing", (string?)again.Element(Cmd + "command")?.Attribute("status"));
    }

    [Fact]
    public void Prev_on_the_first_stage_and_next_on_the_last_are_bad_actions_and_cancel_closes()
    {
        var session = (string?)Command(_admin, Announce).Element(Cmd + "command")!.Attribute("sessionid");

        var prev = Command(_admin, Announce, session, "prev");
        var next = Command(_admin, Announce, session, "next", Form(("announcement", "x")));
        var bogus = Command(_admin, Announce, session, "jump");
        var cancel = Command(_admin, Announce, session, "cancel");
        var after = Command(_admin, Announce, session, "complete", Form(("announcement", "x")));

        Assert.Equal("bad-action", Specific(prev));
        Assert.Equal("bad-action", Specific(next));
        Assert.Equal("malformed-action", Specific(bogus));
        Assert.Equal("canceled", (string?)cancel.Element(Cmd + "command")?.Attribute("status"));
        Assert.Equal("bad-sessionid", Specific(after));
    }

    [Fact]
    public void Announce_reaches_every_session_as_a_headline_from_the_server()
    {
        var session = (string?)Command(_admin, Announce).Element(Cmd + "command")!.Attribute("sessionid");
        var frames = _h.Send(_admin, $"<iq type='set' id='a' to='localhost'><command xmlns='{Cmd.NamespaceName}' node='{Announce}' sessionid='{session}' action='complete'>{Form(("announcement", "Restart at noon"))}</command></iq>");

        var toUser = Assert.Single(StanzasTo(frames, _user));
        Assert.Equal("headline", (string?)toUser.Attribute("type"));
        Assert.Equal("localhost", (string?)toUser.Attribute("from"));
        Assert.Equal("Restart at noon", toUser.Element(C("body"))?.Value);
        Assert.Contains(StanzasTo(frames, _admin), s => s.Name.LocalName == "message");
    }
}
