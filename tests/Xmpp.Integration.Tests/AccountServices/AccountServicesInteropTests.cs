using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.AccountServices;

/// <summary>Interop with Debian's python3-slixmpp plugins: xep_0077 (register, change password) and xep_0050 (get_commands, send_command).</summary>
[Collection(AccountServicesCollection.Name)]
public sealed class AccountServicesInteropTests(AccountServicesFixture fixture, ITestOutputHelper output)
{
    private const string Python = "/usr/bin/python3"; // not the PATH python3, which may be a pyenv one without slixmpp

    private async Task<RunResult> RunAsync(string script, params string[] args)
    {
        var result = await ProcessRunner.RunAsync(Python, [Path.Combine(RepoPaths.InteropScripts, script), "--host", "127.0.0.1", "--port", fixture.Port.ToString(), .. args, "--timeout", "40"],
            TimeSpan.FromSeconds(60), environment: new Dictionary<string, string> { ["PYTHONDONTWRITEBYTECODE"] = "1" });
        output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, $"{script} failed ({result.ExitCode}):\n{result.Output}\n{fixture.Cluster.OutputTail()}");
        return result;
    }

    [Fact]
    public async Task Slixmpp_xep_0077_registers_a_new_account_logs_in_and_changes_its_password()
    {
        var jid = $"slix-reg-{Guid.NewGuid():N}"[..17] + "@localhost";

        var result = await RunAsync("slixmpp_register.py", "--jid", jid, "--password", "first-pw", "--new-password", "second-pw");

        Assert.Contains($"registrant: REGISTERED {jid}", result.Stdout);
        Assert.Contains("registrant: session started as", result.Stdout);
        Assert.Contains("registrant: PASSWORD CHANGED", result.Stdout);
        Assert.Contains("again: LOGGED IN WITH THE NEW PASSWORD", result.Stdout);
    }

    [Fact]
    public async Task Slixmpp_xep_0050_lists_and_runs_an_admin_command_as_admin_and_is_refused_as_a_user()
    {
        var user = await fixture.Cluster.NewUserAsync("slix-user");

        var result = await RunAsync("slixmpp_adhoc.py", "--admin", fixture.Admin.Jid, "--admin-password", fixture.Admin.Password,
            "--user", user.Jid, "--user-password", user.Password);

        Assert.Contains("http://jabber.org/protocol/admin#add-user", result.Stdout);
        Assert.Matches(@"admin: completed ONLINE \d+", result.Stdout);
        Assert.Contains("user: 0 commands listed", result.Stdout);
        Assert.Contains("user: REFUSED forbidden", result.Stdout);
    }
}
