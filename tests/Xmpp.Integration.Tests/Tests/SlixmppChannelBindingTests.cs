using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>
/// Issue 19: "SCRAM-*-PLUS chosen by slixmpp". Debian's python3-slixmpp (1.8.3) picks its own
/// mechanism (tests/interop/slixmpp_plus.py): over TLS 1.2 it chooses SCRAM-SHA-256-PLUS with
/// tls-unique, on STARTTLS and on direct TLS (XEP-0368, with ALPN xmpp-client). Over TLS 1.3 it
/// still binds with tls-unique, which RFC 9266 leaves undefined there, and then sends 'y' with the
/// plain SCRAM mechanisms; c2s refuses both (RFC 5802 §6) without closing the stream, and slixmpp
/// ends with PLAIN, as it does against Prosody.
/// </summary>
public class SlixmppChannelBindingTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>The c2s TLS stack (C2s:Tls:Stack) these tests run against; null: the default. A subclass runs them on the other.</summary>
    protected virtual string? Stack => null;

    private const string Python = "/usr/bin/python3"; // Debian's, with python3-slixmpp
    private readonly int _directPort = FreePort.Pick();
    private Cluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await Cluster.StartAsync(new ClusterOptions
        {
            C2sCount = 1,
            ExtraArgs = new Dictionary<string, string[]> { ["c2s"] = [$"--C2s:DirectTlsPort={_directPort}", .. TlsStacks.Args(Stack)] },
        });

    public async Task DisposeAsync()
    {
        output.WriteLine(_cluster.OutputTail(40));
        await _cluster.DisposeAsync();
    }

    private async Task<string> RunAsync(string user, bool direct, string tlsVersion, string expected)
    {
        Assert.True(File.Exists(Python), $"{Python} is missing; apt-get install python3-slixmpp");
        var account = await _cluster.NewUserAsync(user);
        var result = await ProcessRunner.RunAsync(Python,
        [
            Path.Combine(RepoPaths.InteropScripts, "slixmpp_plus.py"),
            "--port", (direct ? _directPort : _cluster.C2s1Port).ToString(),
            "--jid", account.Jid, "--password", account.Password,
            "--tls-version", tlsVersion, "--expect", expected, "--timeout", "40",
            .. (direct ? new[] { "--direct-tls" } : []),
        ], TimeSpan.FromSeconds(60), environment: new Dictionary<string, string> { ["PYTHONDONTWRITEBYTECODE"] = "1" });
        output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, $"slixmpp_plus.py failed ({result.ExitCode}):\n{result.Output}\n{_cluster.OutputTail()}");
        Assert.Contains($"LOGGED IN with {expected}", result.Stdout);
        return result.Stdout;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Slixmpp_chooses_scram_sha_256_plus_with_tls_unique_over_tls_1_2(bool direct)
    {
        var stdout = await RunAsync(direct ? "slix-direct" : "slix-starttls", direct, "1.2", "SCRAM-SHA-256-PLUS");
        Assert.Contains("over TLSv1.2", stdout);
        Assert.DoesNotContain("failed:", stdout); // the first mechanism it tried worked
        if (direct) Assert.Contains("ALPN xmpp-client", stdout);
        await _cluster.C2s1.WaitForLineAsync(new System.Text.RegularExpressions.Regex(@"authenticated as slix-(direct|starttls)"), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Over_tls_1_3_its_tls_unique_and_y_are_refused_and_it_ends_with_plain()
    {
        var stdout = await RunAsync("slix-tls13", direct: false, "1.3", "PLAIN");
        Assert.Contains("SCRAM-SHA-256-PLUS failed: malformed-request", stdout); // p=tls-unique: undefined on TLS 1.3
        Assert.Contains("SCRAM-SHA-256 failed: not-authorized", stdout);         // 'y' while -PLUS was offered: a downgrade
    }
}
