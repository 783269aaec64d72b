using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.AccountServices;

/// <summary>XEP-0077 on, through real sockets: register, conflicts, rate limit, password change, removal and reserved names.</summary>
[Collection(AccountServicesCollection.Name)]
public sealed class RegistrationTests(AccountServicesFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly XName RegisterFeature = XName.Get("register", "http://jabber.org/features/iq-register");
    private static readonly XNamespace Reg = AccountRequests.Register;
    private static int _names;
    private readonly List<TestClient> _clients = [];
    private Cluster Cluster => fixture.Cluster;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var client in _clients) await client.DisposeAsync();
        output.WriteLine(Cluster.OutputTail(80));
    }

    private static string NewName(string prefix) => $"{prefix}-{Interlocked.Increment(ref _names)}";

    private async Task<TestClient> SecuredAsync(string name, System.Net.IPAddress? address = null)
    {
        var client = await fixture.SecuredStreamAsync(name, address);
        _clients.Add(client);
        return client;
    }

    private async Task<TestClient> LoginAsync(Account account, string? resource = null)
    {
        var client = await Cluster.LoginAsync(account, fixture.Port, resource);
        _clients.Add(client);
        return client;
    }

    [Fact]
    public async Task Registration_on_offers_the_feature_and_form_creates_the_account_and_it_logs_in()
    {
        var name = NewName("newbie");
        var client = await SecuredAsync(name);

        Assert.NotNull(client.Features.Element(RegisterFeature));
        var form = await client.IqAsync("get", $"<query xmlns='{AccountRequests.Register}'/>", to: null);
        Assert.Equal("result", form.Attr("type"));
        var query = form.Element(Reg + "query")!;
        Assert.NotNull(query.Element(Reg + "instructions"));
        Assert.NotNull(query.Element(Reg + "username"));
        Assert.NotNull(query.Element(Reg + "password"));

        var registered = await client.RegisterAsync(name, "first-password");
        Assert.Equal("result", registered.Attr("type"));

        // The same stream authenticates as the new account, and so does a new connection.
        var auth = await client.AuthenticateAsync($"{name}@localhost", "first-password");
        Assert.True(auth.Success, auth.Answer.Text());
        Assert.Equal($"{name}@localhost/here", await client.BindAsync("here"));
        var other = await LoginAsync(new Account(name, "first-password"), "there");
        Assert.Equal("result", (await other.PingServerAsync()).Attr("type"));
    }

    [Fact]
    public async Task A_taken_name_gets_conflict_and_a_bad_name_not_acceptable_and_the_stream_stays()
    {
        var existing = await Cluster.NewUserAsync("taken");
        var client = await SecuredAsync("conflict");

        var taken = await client.RegisterAsync(existing.Local, "whatever");
        var upper = await client.RegisterAsync(existing.Local.ToUpperInvariant(), "whatever"); // nodeprep case-folds
        var bad = await client.RegisterAsync("bad name@x", "whatever");
        var empty = await client.IqAsync("set", $"<query xmlns='{AccountRequests.Register}'><username>only-name</username></query>", to: null);

        Assert.Equal("conflict", taken.ErrorCondition());
        Assert.Equal("cancel", taken.Element(XName.Get("error", "jabber:client"))?.Attr("type"));
        Assert.Equal("conflict", upper.ErrorCondition());
        Assert.Equal("not-acceptable", bad.ErrorCondition());
        Assert.Equal("not-acceptable", empty.ErrorCondition());
        var auth = await client.AuthenticateAsync(existing.Jid, existing.Password); // the stream is still usable
        Assert.True(auth.Success, auth.Answer.Text());
    }

    [Fact]
    public async Task Registrations_beyond_the_per_address_limit_get_resource_constraint_and_are_logged()
    {
        var address = AccountServicesFixture.NextAddress();
        var client = await SecuredAsync("rate", address);
        var names = Enumerable.Range(0, AccountServicesFixture.PerAddressLimit + 1).Select(_ => NewName("rate")).ToArray();
        var lineCount = Cluster.C2s1.LineCount;

        var answers = new List<XElement>();
        foreach (var name in names) answers.Add(await client.RegisterAsync(name, "pw"));
        // Another connection from the same address is limited too; one from elsewhere is not.
        var again = await (await SecuredAsync("rate-2", address)).RegisterAsync(NewName("rate"), "pw");
        var elsewhereName = NewName("rate");
        var elsewhere = await (await SecuredAsync("rate-3")).RegisterAsync(elsewhereName, "pw");

        Assert.All(answers.Take(AccountServicesFixture.PerAddressLimit), a => Assert.Equal("result", a.Attr("type")));
        Assert.Equal("resource-constraint", answers[^1].ErrorCondition());
        Assert.Equal("wait", answers[^1].Element(XName.Get("error", "jabber:client"))?.Attr("type"));
        Assert.Equal("resource-constraint", again.ErrorCondition());
        Assert.Equal("result", elsewhere.Attr("type"));
        await Cluster.C2s1.WaitForLineAsync(new Regex($"from {Regex.Escape(address.ToString())}: registration refused: more than {AccountServicesFixture.PerAddressLimit}"),
            TimeSpan.FromSeconds(5), lineCount);
        var users = await Cluster.CtlAsync("users");
        Assert.DoesNotContain($"{names[^1]}@localhost", users.Stdout);
        Assert.Contains($"{elsewhereName}@localhost", users.Stdout);
    }

    [Fact]
    public async Task A_logged_in_user_changes_its_password_and_only_the_new_one_logs_in()
    {
        var account = await Cluster.NewUserAsync("changer", "old-password");
        var client = await LoginAsync(account, "phone");

        var changed = await client.IqAsync("set",
            $"<query xmlns='{AccountRequests.Register}'><username>{account.Local}</username><password>new-password</password></query>", to: null);
        var someoneElse = await client.IqAsync("set",
            $"<query xmlns='{AccountRequests.Register}'><username>{fixture.Admin.Local}</username><password>hijack</password></query>", to: null);

        Assert.Equal("result", changed.Attr("type"));
        Assert.Equal("not-authorized", someoneElse.ErrorCondition());
        var fresh = await LoginAsync(account with { Password = "new-password" }, "desk");
        Assert.Equal("result", (await fresh.PingServerAsync()).Attr("type"));
        var old = await SecuredAsync("changer-old");
        var refused = await old.AuthenticateAsync(account.Jid, "old-password");
        Assert.False(refused.Success);
        Assert.Equal("not-authorized", refused.Condition);
        var admin = await old.AuthenticateAsync(fixture.Admin.Jid, fixture.Admin.Password, restart: false); // the admin's password did not change
        Assert.True(admin.Success, admin.Answer.Text());
    }

    [Fact]
    public async Task Removal_deletes_the_account_closes_the_stream_and_the_name_stays_reserved()
    {
        var account = await Cluster.NewUserAsync("leaver");
        var friend = await Cluster.NewUserAsync("friend");
        var client = await LoginAsync(account, "phone");

        var id = client.NewId("unreg");
        await client.SendAsync($"<iq type='set' id='{id}'><query xmlns='{AccountRequests.Register}'><remove/></query></iq>");
        var result = await client.ExpectAsync(e => e.IsIq() && e.Attr("id") == id);
        Assert.Equal("result", result.Attr("type"));
        await client.ExpectStreamErrorAsync("not-authorized");
        await client.ExpectClosedAsync();

        var retry = await SecuredAsync("leaver-again");
        var login = await retry.AuthenticateAsync(account.Jid, account.Password, restart: false);
        Assert.False(login.Success);
        var reRegister = await (await SecuredAsync("squatter")).RegisterAsync(account.Local, "mine-now");
        Assert.Equal("conflict", reRegister.ErrorCondition());
        var users = await Cluster.CtlAsync("users");
        Assert.DoesNotContain(account.Jid, users.Stdout);
        Assert.Contains(friend.Jid, users.Stdout);

        // An administrator may give the name out again.
        var added = await Cluster.CtlAsync("adduser", account.Jid, "admin-given");
        Assert.Equal(0, added.ExitCode);
        var back = await LoginAsync(account with { Password = "admin-given" });
        Assert.Equal("result", (await back.PingServerAsync()).Attr("type"));
    }
}
