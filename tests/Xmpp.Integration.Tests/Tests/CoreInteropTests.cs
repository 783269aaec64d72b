using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>
/// Issue 19 interop with a client nobody here wrote: tests/interop/slixmpp_core.py uses Debian's
/// python3-slixmpp plugins xep_0030, xep_0199, xep_0092, xep_0202 and xep_0012 against the server,
/// from clients on both c2s instances.
/// </summary>
public sealed class CoreInteropTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    private const string Python = "/usr/bin/python3"; // not the PATH python3, which may be a pyenv one without slixmpp

    [Fact]
    public async Task Slixmpp_discovers_pings_and_asks_version_time_and_last_activity()
    {
        if (!File.Exists(Python))
            Assert.Fail($"{Python} is missing; the interop test needs Debian's python3 with python3-slixmpp (apt-get install python3-slixmpp)");
        var alice = await Cluster.NewUserAsync("slix-alice");
        var bob = await Cluster.NewUserAsync("slix-bob");

        var result = await ProcessRunner.RunAsync(Python,
        [
            Path.Combine(RepoPaths.InteropScripts, "slixmpp_core.py"),
            "--host", "127.0.0.1", "--domain", Cluster.Domain,
            "--alice-port", C2s1.ToString(), "--bob-port", C2s2.ToString(),
            "--alice", alice.Jid, "--alice-password", alice.Password,
            "--bob", bob.Jid, "--bob-password", bob.Password,
            "--timeout", "60",
        ], TimeSpan.FromSeconds(90), environment: new Dictionary<string, string> { ["PYTHONDONTWRITEBYTECODE"] = "1" });
        Output.WriteLine(result.Output);

        Assert.True(result.ExitCode == 0, $"slixmpp_core.py failed ({result.ExitCode}):\n{result.Output}\n{Cluster.OutputTail()}");
        foreach (var step in new[] { "STEP 1 server disco", "STEP 2 account disco: account/registered", "STEP 3 ping", "STEP 4 version and time", "STEP 5 last activity" })
            Assert.Contains(step, result.Stdout);
    }
}
