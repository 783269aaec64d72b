using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Profile;

/// <summary>
/// Issue #19 interop with a client nobody here wrote: tests/interop/slixmpp_profile.py drives
/// Debian python3-slixmpp's own plugins (xep_0054, xep_0191, xep_0049 through xep_0048, xep_0352)
/// against the server, two clients on the two c2s instances.
/// </summary>
public sealed class ProfileInteropTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    private const string Python = "/usr/bin/python3"; // not the PATH python3, which may be a pyenv one without slixmpp

    private async Task<string> RunAsync(string xep)
    {
        if (!File.Exists(Python))
            Assert.Fail($"{Python} is missing; the interop test needs Debian's python3 with python3-slixmpp (apt-get install python3-slixmpp)");
        var alice = await Cluster.NewUserAsync("slix-alice");
        var bob = await Cluster.NewUserAsync("slix-bob");
        var result = await ProcessRunner.RunAsync(Python,
        [
            Path.Combine(RepoPaths.InteropScripts, "slixmpp_profile.py"),
            "--xep", xep, "--host", "127.0.0.1",
            "--alice-port", C2s1.ToString(), "--bob-port", C2s2.ToString(),
            "--alice", alice.Jid, "--alice-password", alice.Password,
            "--bob", bob.Jid, "--bob-password", bob.Password,
            "--timeout", "60",
        ], TimeSpan.FromSeconds(90), environment: new Dictionary<string, string> { ["PYTHONDONTWRITEBYTECODE"] = "1" });
        Output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, $"slixmpp_profile.py --xep {xep} failed ({result.ExitCode}):\n{result.Output}\n{Cluster.OutputTail()}");
        return result.Stdout;
    }

    [Fact]
    public async Task Xep0054_slixmpp_publishes_a_vcard_that_another_slixmpp_client_fetches()
    {
        var stdout = await RunAsync("0054");
        Assert.Contains("STEP 2 bob fetched alice's vCard: FN=Alice Liddell", stdout);
        Assert.Contains("STEP 3 alice fetched her own vCard", stdout);
    }

    [Fact]
    public async Task Xep0191_slixmpp_blocks_gets_pushes_and_errors_and_unblocks()
    {
        var stdout = await RunAsync("0191");
        Assert.Contains("STEP 1 alice blocked bob", stdout);
        Assert.Contains("STEP 2 bob's message got service-unavailable, alice's got not-acceptable with <blocked/>", stdout);
        Assert.Contains("STEP 3 the blocklist named bob", stdout);
    }

    [Fact]
    public async Task Xep0049_slixmpp_stores_bookmarks_in_private_storage_and_reads_them_from_another_resource()
    {
        var stdout = await RunAsync("0049");
        Assert.Contains("STEP 2 her second resource read them back", stdout);
        Assert.Contains("STEP 3 bob reading her private storage got forbidden", stdout);
    }

    [Fact]
    public async Task Xep0352_slixmpp_sees_csi_offered_and_gets_only_the_latest_presence_after_going_active()
    {
        var stdout = await RunAsync("0352");
        Assert.Contains("STEP 1 CSI offered", stdout);
    }
}
