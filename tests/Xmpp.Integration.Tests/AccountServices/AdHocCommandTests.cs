using System.Xml.Linq;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.AccountServices;

/// <summary>XEP-0050 ad-hoc commands with XEP-0133's admin commands, through real sockets: only Sm:Admins may list and run them.</summary>
[Collection(AccountServicesCollection.Name)]
public sealed class AdHocCommandTests(AccountServicesFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Admin = "http://jabber.org/protocol/admin#";
    private static readonly XNamespace Cmd = AccountRequests.Commands;
    private static readonly XNamespace Data = AccountRequests.Data;
    private static readonly XNamespace Items = "http://jabber.org/protocol/disco#items";
    private readonly List<TestClient> _clients = [];
    private Cluster Cluster => fixture.Cluster;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var client in _clients) await client.DisposeAsync();
        output.WriteLine(Cluster.OutputTail(80));
    }

    private async Task<TestClient> LoginAsync(Account account, string? resource = null)
    {
        var client = await Cluster.LoginAsync(account, fixture.Port, resource);
        _clients.Add(client);
        return client;
    }

    private static Task<XElement> CommandListAsync(TestClient client) =>
        client.IqAsync("get", $"<query xmlns='{Items}' node='{AccountRequests.Commands}'/>");

    private static Task<XElement> ExecuteAsync(TestClient client, string node, string? sessionId = null, string? action = null, string payload = "") =>
        client.IqAsync("set", $"<command xmlns='{AccountRequests.Commands}' node='{node}'" +
            (sessionId is null ? "" : $" sessionid='{sessionId}'") + (action is null ? "" : $" action='{action}'") + $">{payload}</command>");

    /// <summary>Runs a one-form command: execute, then complete with the fields; returns the completed command element.</summary>
    private static async Task<XElement> RunAsync(TestClient client, string node, params (string, string[])[] fields)
    {
        var form = await ExecuteAsync(client, node);
        Assert.Equal("result", form.Attr("type"));
        var command = form.Element(Cmd + "command")!;
        Assert.Equal("executing", command.Attr("status"));
        var done = await ExecuteAsync(client, node, command.Attr("sessionid"), "complete", AccountRequests.Submit(fields));
        Assert.Equal("result", done.Attr("type"));
        return done.Element(Cmd + "command")!;
    }

    [Fact]
    public async Task The_admin_sees_the_admin_commands_and_a_user_sees_none()
    {
        var user = await Cluster.NewUserAsync("plain");
        var admin = await LoginAsync(fixture.Admin);
        var plain = await LoginAsync(user);

        var forAdmin = await CommandListAsync(admin);
        var forUser = await CommandListAsync(plain);
        var info = await admin.IqAsync("get", $"<query xmlns='http://jabber.org/protocol/disco#info' node='{Admin}add-user'/>");
        var serverInfo = await plain.IqAsync("get", "<query xmlns='http://jabber.org/protocol/disco#info'/>");

        var nodes = forAdmin.Element(Items + "query")!.Elements(Items + "item").Select(i => i.Attr("node")).ToArray();
        foreach (var command in new[] { "add-user", "delete-user", "change-user-password", "get-online-users-list", "get-online-users-num", "end-user-session", "announce" })
            Assert.Contains(Admin + command, nodes);
        Assert.Equal("result", forUser.Attr("type"));
        Assert.Empty(forUser.Element(Items + "query")!.Elements());
        Assert.Contains(info.Descendants(), d => d.Name.LocalName == "identity" && d.Attr("category") == "automation" && d.Attr("type") == "command-node");
        Assert.Contains(serverInfo.Descendants(), d => d.Name.LocalName == "feature" && d.Attr("var") == AccountRequests.Commands);
    }

    [Fact]
    public async Task An_admin_command_from_a_non_admin_is_refused_with_forbidden_and_does_nothing()
    {
        var user = await Cluster.NewUserAsync("intruder");
        var plain = await LoginAsync(user);
        var lineCount = Cluster.Sm.LineCount;

        var execute = await ExecuteAsync(plain, Admin + "add-user");
        var direct = await ExecuteAsync(plain, Admin + "add-user", action: "complete",
            payload: AccountRequests.Submit(("accountjid", ["sneaky@localhost"]), ("password", ["pw"]), ("password-verify", ["pw"])));
        var delete = await ExecuteAsync(plain, Admin + "delete-user", action: "execute",
            payload: AccountRequests.Submit(("accountjids", [fixture.Admin.Jid])));

        foreach (var answer in new[] { execute, direct, delete })
        {
            Assert.Equal("error", answer.Attr("type"));
            Assert.Equal("forbidden", answer.ErrorCondition());
        }
        await Cluster.Sm.WaitForLineAsync(new($@"Command {System.Text.RegularExpressions.Regex.Escape(Admin)}add-user refused to {user.Jid}: not an admin"), TimeSpan.FromSeconds(5), lineCount);
        var users = await Cluster.CtlAsync("users");
        Assert.DoesNotContain("sneaky@localhost", users.Stdout);
        Assert.Contains(fixture.Admin.Jid, users.Stdout);
    }

    [Fact]
    public async Task The_admin_adds_a_user_who_then_logs_in_and_changes_its_password_and_deletes_it()
    {
        var admin = await LoginAsync(fixture.Admin);
        var name = $"added-{Guid.NewGuid():N}"[..14];

        var added = await RunAsync(admin, Admin + "add-user",
            ("accountjid", [$"{name}@localhost"]), ("password", ["given-pw"]), ("password-verify", ["given-pw"]));
        Assert.Equal("completed", added.Attr("status"));
        Assert.Equal("info", added.Element(Cmd + "note")?.Attr("type"));
        var again = await RunAsync(admin, Admin + "add-user",
            ("accountjid", [$"{name}@localhost"]), ("password", ["x"]), ("password-verify", ["x"]));
        Assert.Equal("error", again.Element(Cmd + "note")?.Attr("type"));

        var newcomer = await LoginAsync(new Account(name, "given-pw"));
        Assert.Equal("result", (await newcomer.PingServerAsync()).Attr("type"));

        var changed = await RunAsync(admin, Admin + "change-user-password", ("accountjid", [$"{name}@localhost"]), ("password", ["second-pw"]));
        Assert.Equal("info", changed.Element(Cmd + "note")?.Attr("type"));
        var withNew = await LoginAsync(new Account(name, "second-pw"), "new");
        Assert.Equal("result", (await withNew.PingServerAsync()).Attr("type"));

        var deleted = await RunAsync(admin, Admin + "delete-user", ("accountjids", [$"{name}@localhost"]));
        Assert.Equal("info", deleted.Element(Cmd + "note")?.Attr("type"));
        await withNew.ExpectStreamErrorAsync("not-authorized");
        var users = await Cluster.CtlAsync("users");
        Assert.DoesNotContain($"{name}@localhost", users.Stdout);
    }

    [Fact]
    public async Task Announce_reaches_every_online_user_and_the_online_list_names_them()
    {
        var admin = await LoginAsync(fixture.Admin);
        var alice = await LoginAsync(await Cluster.NewUserAsync("hear-a"), "a");
        var bobAccount = await Cluster.NewUserAsync("hear-b");
        var bob = await LoginAsync(bobAccount, "b");

        var list = await RunAsync(admin, Admin + "get-online-users-list", ("max_items", ["100"]));
        var online = list.Element(Data + "x")!.Elements(Data + "field").Single(f => f.Attr("var") == "onlineuserjids").Elements(Data + "value").Select(v => v.Value).ToArray();
        Assert.Contains(alice.BareJid, online);
        Assert.Contains(bob.BareJid, online);
        var num = await RunAsync(admin, Admin + "get-online-users-num");
        var count = int.Parse(num.Element(Data + "x")!.Elements(Data + "field").Single(f => f.Attr("var") == "onlineusersnum").Element(Data + "value")!.Value,
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(count >= 3, $"online users: {count}");

        var done = await RunAsync(admin, Admin + "announce", ("subject", ["Maintenance"]), ("announcement", ["Server restarts at noon."]));
        Assert.Equal("completed", done.Attr("status"));
        foreach (var client in new[] { alice, bob })
        {
            var message = await client.ExpectAsync(s => s.IsMessage() && s.Body() == "Server restarts at noon.");
            Assert.Equal("localhost", message.Attr("from"));
            Assert.Equal("Maintenance", message.Elements().FirstOrDefault(e => e.Name.LocalName == "subject")?.Value);
        }

        var ended = await RunAsync(admin, Admin + "end-user-session", ("accountjids", [bobAccount.Jid]));
        Assert.Equal("info", ended.Element(Cmd + "note")?.Attr("type"));
        await bob.ExpectStreamErrorAsync("policy-violation");
        Assert.Equal("result", (await alice.PingServerAsync()).Attr("type"));
    }

    [Fact]
    public async Task Sessions_cancel_and_refuse_unknown_ids_and_wrong_actions()
    {
        var admin = await LoginAsync(fixture.Admin);
        var started = await ExecuteAsync(admin, Admin + "announce");
        var command = started.Element(Cmd + "command")!;
        var sessionId = command.Attr("sessionid")!;
        Assert.NotNull(command.Element(Cmd + "actions")?.Element(Cmd + "complete"));
        Assert.Equal("form", command.Element(Data + "x")?.Attr("type"));

        var next = await ExecuteAsync(admin, Admin + "announce", sessionId, "next", AccountRequests.Submit(("announcement", ["x"])));
        var canceled = await ExecuteAsync(admin, Admin + "announce", sessionId, "cancel");
        var afterCancel = await ExecuteAsync(admin, Admin + "announce", sessionId, "complete", AccountRequests.Submit(("announcement", ["x"])));

        Assert.Equal("bad-request", next.ErrorCondition());
        Assert.NotNull(next.Descendants(Cmd + "bad-action").FirstOrDefault());
        Assert.Equal("canceled", canceled.Element(Cmd + "command")?.Attr("status"));
        Assert.Equal("bad-request", afterCancel.ErrorCondition());
        Assert.NotNull(afterCancel.Descendants(Cmd + "bad-sessionid").FirstOrDefault());
    }
}
