using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Rfc6121;

/// <summary>
/// Issue #3 interop with a client nobody here wrote: tests/interop/slixmpp_im.py drives three
/// Debian python3-slixmpp clients through subscriptions, presence, messages, offline delivery
/// and a dropped connection, on both c2s instances.
/// </summary>
public sealed class Rfc6121InteropTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    private const string Python = "/usr/bin/python3"; // not the PATH python3, which may be a pyenv one without slixmpp

    [Fact]
    public async Task Rfc6121_slixmpp_clients_on_two_c2s_subscribe_see_presence_chat_and_get_offline_messages_with_delay()
    {
        if (!File.Exists(Python))
            Assert.Fail($"{Python} is missing; the interop test needs Debian's python3 with python3-slixmpp (apt-get install python3-slixmpp)");
        var alice = await Cluster.NewUserAsync("slix-alice");
        var bob = await Cluster.NewUserAsync("slix-bob");
        var carol = await Cluster.NewUserAsync("slix-carol");

        var result = await ProcessRunner.RunAsync(Python,
        [
            Path.Combine(RepoPaths.InteropScripts, "slixmpp_im.py"),
            "--host", "127.0.0.1",
            "--alice-port", C2s1.ToString(), "--bob-port", C2s2.ToString(), "--carol-port", C2s1.ToString(),
            "--alice", alice.Jid, "--alice-password", alice.Password,
            "--bob", bob.Jid, "--bob-password", bob.Password,
            "--carol", carol.Jid, "--carol-password", carol.Password,
            "--timeout", "90",
        ], TimeSpan.FromSeconds(120), environment: new Dictionary<string, string> { ["PYTHONDONTWRITEBYTECODE"] = "1" });
        Output.WriteLine(result.Output);

        Assert.True(result.ExitCode == 0, $"slixmpp_im.py failed ({result.ExitCode}):\n{result.Output}\n{Cluster.OutputTail()}");
        Assert.Contains($"alice's roster says {bob.Jid}=both, bob's says {alice.Jid}=both", result.Stdout);
        Assert.Contains("STEP 2 presence", result.Stdout);
        Assert.Contains("STEP 3 messages", result.Stdout);
        Assert.Contains("STEP 4 offline: carol got", result.Stdout);
        Assert.Contains("STEP 5 drop", result.Stdout);
    }
}
