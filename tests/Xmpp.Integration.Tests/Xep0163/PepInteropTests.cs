using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Xep0163;

/// <summary>
/// Issue #19 interop with a client nobody here wrote: tests/interop/slixmpp_pep.py has Debian's
/// python3-slixmpp (plugins xep_0163, xep_0060, xep_0084, xep_0115) publish avatars through PEP;
/// a second slixmpp client whose caps ask for avatar metadata gets the notification, one whose caps do not gets none.
/// </summary>
public sealed class PepInteropTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    private const string Python = "/usr/bin/python3"; // not the PATH python3, which may be a pyenv one without slixmpp

    [Fact]
    public async Task Xep0163_slixmpp_publishes_an_avatar_and_a_second_slixmpp_client_gets_the_notification()
    {
        if (!File.Exists(Python))
            Assert.Fail($"{Python} is missing; the interop test needs Debian's python3 with python3-slixmpp (apt-get install python3-slixmpp)");
        var alice = await Cluster.NewUserAsync("slixpep-alice");
        var bob = await Cluster.NewUserAsync("slixpep-bob");
        var carol = await Cluster.NewUserAsync("slixpep-carol");

        var result = await ProcessRunner.RunAsync(Python,
        [
            Path.Combine(RepoPaths.InteropScripts, "slixmpp_pep.py"),
            "--host", "127.0.0.1",
            "--alice-port", C2s1.ToString(), "--bob-port", C2s2.ToString(), "--carol-port", C2s1.ToString(),
            "--alice", alice.Jid, "--alice-password", alice.Password,
            "--bob", bob.Jid, "--bob-password", bob.Password,
            "--carol", carol.Jid, "--carol-password", carol.Password,
            "--timeout", "90",
        ], TimeSpan.FromSeconds(120), environment: new Dictionary<string, string> { ["PYTHONDONTWRITEBYTECODE"] = "1" });
        Output.WriteLine(result.Output);

        Assert.True(result.ExitCode == 0, $"slixmpp_pep.py failed ({result.ExitCode}):\n{result.Output}\n{Cluster.OutputTail()}");
        Assert.Contains("STEP 2 notification: bob got alice's avatar metadata", result.Stdout);
        Assert.Contains("STEP 3 data", result.Stdout);
        Assert.Contains("STEP 4 items", result.Stdout);
        Assert.Contains("STEP 5 filtered", result.Stdout);
    }
}
