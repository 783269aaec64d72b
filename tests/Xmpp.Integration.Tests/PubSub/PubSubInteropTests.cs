using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.PubSub;

/// <summary>
/// Issue 21 interop with a client nobody here wrote: tests/interop/slixmpp_pubsub.py has Debian's
/// python3-slixmpp (plugin xep_0060) create a node on the pubsub service, subscribe, publish,
/// retrieve and retract, the events arriving at a second slixmpp client on the other c2s.
/// </summary>
public sealed class PubSubInteropTests(ITestOutputHelper output)
{
    private const string Python = "/usr/bin/python3"; // not the PATH python3, which may be a pyenv one without slixmpp

    [Fact]
    public async Task Xep0060_slixmpp_creates_a_node_publishes_and_retrieves_an_item_on_the_service()
    {
        if (!File.Exists(Python))
            Assert.Fail($"{Python} is missing; the interop test needs Debian's python3 with python3-slixmpp (apt-get install python3-slixmpp)");
        await using var cluster = await Cluster.StartAsync();
        await cluster.StartPubSubAsync();
        var alice = await cluster.NewUserAsync("slixps-alice");
        var bob = await cluster.NewUserAsync("slixps-bob");

        var result = await ProcessRunner.RunAsync(Python,
        [
            Path.Combine(RepoPaths.InteropScripts, "slixmpp_pubsub.py"),
            "--host", "127.0.0.1", "--service", Cluster.PubSubDomain,
            "--alice-port", cluster.C2s1Port.ToString(), "--bob-port", cluster.C2s2Port.ToString(),
            "--alice", alice.Jid, "--alice-password", alice.Password,
            "--bob", bob.Jid, "--bob-password", bob.Password,
            "--timeout", "90",
        ], TimeSpan.FromSeconds(120), environment: new Dictionary<string, string> { ["PYTHONDONTWRITEBYTECODE"] = "1" });
        output.WriteLine(result.Output);

        Assert.True(result.ExitCode == 0, $"slixmpp_pubsub.py failed ({result.ExitCode}):\n{result.Output}\n{cluster.OutputTail()}");
        Assert.Contains("STEP 1 create", result.Stdout);
        Assert.Contains("STEP 3 publish", result.Stdout);
        Assert.Contains("STEP 4 items: get_item found 'Hello from slixmpp'", result.Stdout);
        Assert.Contains("STEP 5 retract", result.Stdout);
    }
}
