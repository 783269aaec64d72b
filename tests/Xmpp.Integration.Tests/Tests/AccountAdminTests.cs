using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>Issue #2, judged by 6: xmppctl adduser/users/passwd/deluser against the running cluster.</summary>
public sealed class AccountAdminTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    [Fact]
    public async Task Deleting_an_online_user_ends_their_stream_and_their_next_login_is_not_authorized()
    {
        var alice = await Cluster.NewUserAsync("alice");
        var client = await LoginAsync(alice, C2s1, "phone");

        var deleted = await Cluster.CtlAsync("deluser", alice.Jid);
        Assert.True(deleted.ExitCode == 0, $"xmppctl deluser: {deleted}");
        Assert.Equal($"deleted {alice.Jid}", deleted.Stdout.Trim());

        var error = await client.ExpectStreamErrorAsync(condition: null);
        Output.WriteLine($"alice's stream ended with {error.Text()}");
        await client.ExpectClosedAsync();

        var again = await ConnectAsync(C2s1, "alice again");
        await again.OpenStreamAsync();
        await again.StartTlsAsync();
        var result = await again.AuthenticateAsync(alice.Local, alice.Password);
        Assert.False(result.Success, "a deleted user logged in");
        Assert.Equal("not-authorized", result.Condition);
    }

    [Fact]
    public async Task Adduser_users_passwd_and_deluser_round_trip()
    {
        var carol = new Account($"carol-{Guid.NewGuid():N}"[..14], "first password");

        var created = await Cluster.CtlAsync("adduser", carol.Jid, carol.Password);
        Assert.True(created.ExitCode == 0, $"adduser: {created}");
        Assert.Equal($"created {carol.Jid}", created.Stdout.Trim());

        var again = await Cluster.CtlAsync("adduser", carol.Jid, "other");
        Assert.True(again.ExitCode == 1, $"a second adduser: {again}");
        Assert.Equal($"error: {carol.Jid} exists (conflict)", again.Output);

        var users = await Cluster.CtlAsync("users");
        Assert.True(users.ExitCode == 0, $"users: {users}");
        Assert.Contains(carol.Jid, users.Stdout.Split('\n', StringSplitOptions.TrimEntries));

        // the new password is read from stdin ("-"), so it never shows in a process list
        var changed = await Cluster.CtlAsync(["passwd", carol.Jid, "-"], stdin: "second password");
        Assert.True(changed.ExitCode == 0, $"passwd: {changed}");
        Assert.Equal($"password changed for {carol.Jid}", changed.Stdout.Trim());

        var oldPassword = await ConnectAsync(C2s2, "carol (old password)");
        await oldPassword.OpenStreamAsync();
        await oldPassword.StartTlsAsync();
        var refused = await oldPassword.AuthenticateAsync(carol.Local, "first password");
        Assert.False(refused.Success, "the old password still works after passwd");
        Assert.Equal("not-authorized", refused.Condition);

        var client = await LoginAsync(carol with { Password = "second password" }, C2s2, "new");
        Assert.Equal($"{carol.Jid}/new", client.Jid);

        var deleted = await Cluster.CtlAsync("deluser", carol.Jid);
        Assert.True(deleted.ExitCode == 0, $"deluser: {deleted}");
        var afterDelete = await Cluster.CtlAsync("users");
        Assert.DoesNotContain(carol.Jid, afterDelete.Stdout.Split('\n', StringSplitOptions.TrimEntries));
        var deletedTwice = await Cluster.CtlAsync("deluser", carol.Jid);
        Assert.True(deletedTwice.ExitCode == 1, $"a second deluser: {deletedTwice}");
        Assert.Equal($"error: {carol.Jid} does not exist (user-not-found)", deletedTwice.Output);
    }

    [Fact]
    public async Task Passwd_of_an_unknown_user_fails()
    {
        var nobody = Cluster.UnknownUser("nobody");
        var result = await Cluster.CtlAsync("passwd", nobody.Jid, "x");
        Assert.True(result.ExitCode == 1, $"passwd of an unknown user: {result}");
        Assert.Contains(nobody.Jid, result.Output);
    }

    [Fact]
    public async Task Xmppctl_says_when_the_router_is_not_reachable()
    {
        var closedPort = FreePort.Pick();
        var result = await Cluster.CtlAsync(["users"], router: $"https://127.0.0.1:{closedPort}");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"error: router not reachable at https://127.0.0.1:{closedPort} (", result.Output); // then the last connect error
    }

    [Fact]
    public async Task Xmppctl_says_when_no_session_manager_serves_the_domain()
    {
        var result = await Cluster.CtlAsync("adduser", "someone@nowhere.example", "pw");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: no session manager at sm/nowhere.example (route-unknown)", result.Output);
    }
}
