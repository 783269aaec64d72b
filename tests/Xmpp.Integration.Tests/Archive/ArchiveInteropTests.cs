using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Archive;

/// <summary>
/// Issue #19 interop with a client nobody here wrote: tests/interop/slixmpp_archive.py drives
/// Debian python3-slixmpp's own xep_0280 (carbons) and xep_0313 (archive, with xep_0059 paging)
/// plugins against the cluster, on both c2s instances.
/// </summary>
public sealed class ArchiveInteropTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    private const string Python = "/usr/bin/python3"; // not the PATH python3, which may be a pyenv one without slixmpp

    private async Task<Xmpp.Integration.Tests.Harness.RunResult> RunAsync(string xep)
    {
        if (!File.Exists(Python))
            Assert.Fail($"{Python} is missing; the interop test needs Debian's python3 with python3-slixmpp (apt-get install python3-slixmpp)");
        var alice = await Cluster.NewUserAsync("slix-alice");
        var bob = await Cluster.NewUserAsync("slix-bob");
        var result = await ProcessRunner.RunAsync(Python,
        [
            Path.Combine(RepoPaths.InteropScripts, "slixmpp_archive.py"), "--xep", xep,
            "--host", "127.0.0.1", "--alice-port", C2s1.ToString(), "--bob-port", C2s2.ToString(),
            "--alice", alice.Jid, "--alice-password", alice.Password,
            "--bob", bob.Jid, "--bob-password", bob.Password,
            "--timeout", "60",
        ], TimeSpan.FromSeconds(90), environment: new Dictionary<string, string> { ["PYTHONDONTWRITEBYTECODE"] = "1" });
        Output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, $"slixmpp_archive.py --xep {xep} failed ({result.ExitCode}):\n{result.Output}\n{Cluster.OutputTail()}");
        Assert.Contains($"PASSED XEP-{xep}", result.Stdout);
        return result;
    }

    [Fact]
    public async Task Xep0280_slixmpp_enables_carbons_and_receives_received_and_sent_carbons()
    {
        var result = await RunAsync("0280");
        Assert.Contains("STEP 2 received carbon at alice/two", result.Stdout);
        Assert.Contains("STEP 3 sent carbon at alice/two", result.Stdout);
    }

    [Fact]
    public async Task Xep0313_slixmpp_retrieves_the_archive_whole_and_in_pages_of_one()
    {
        var result = await RunAsync("0313");
        Assert.Contains("STEP 2 retrieve: 3 messages", result.Stdout);
        Assert.Contains("STEP 3 iterate in pages of one: 3 messages in order", result.Stdout);
        Assert.Contains("STEP 4 metadata", result.Stdout);
    }
}
