using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Muc;

/// <summary>
/// Issue 21 interop with a client nobody here wrote: tests/interop/slixmpp_muc.py drives Debian
/// python3-slixmpp's own XEP-0045 plugin (with xep_0004, xep_0199, xep_0313, xep_0421) in a room of
/// our muc, its two clients on the two c2s.
/// </summary>
[Collection(MucCollection.Name)]
public sealed class MucInteropTests(MucClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    private const string Python = "/usr/bin/python3"; // not the PATH python3, which may be a pyenv one without slixmpp

    [Fact]
    public async Task Slixmpp_xep_0045_creates_configures_joins_chats_invites_pings_moderates_and_reads_the_room_archive()
    {
        if (!File.Exists(Python))
            Assert.Fail($"{Python} is missing; the interop test needs Debian's python3 with python3-slixmpp (apt-get install python3-slixmpp)");
        var owner = await Cluster.NewUserAsync("slix-owner");
        var guest = await Cluster.NewUserAsync("slix-guest");
        var room = $"slix-{Guid.NewGuid():N}"[..16] + "@" + Cluster.MucDomain;
        var result = await ProcessRunner.RunAsync(Python,
        [
            Path.Combine(RepoPaths.InteropScripts, "slixmpp_muc.py"),
            "--host", "127.0.0.1", "--owner-port", C2s1.ToString(), "--guest-port", C2s2.ToString(), "--room", room,
            "--owner", owner.Jid, "--owner-password", owner.Password,
            "--guest", guest.Jid, "--guest-password", guest.Password,
            "--timeout", "60",
        ], TimeSpan.FromSeconds(90), environment: new Dictionary<string, string> { ["PYTHONDONTWRITEBYTECODE"] = "1" });
        Output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, $"slixmpp_muc.py failed ({result.ExitCode}):\n{result.Output}\n{Cluster.OutputTail()}");
        foreach (var step in Enumerable.Range(1, 7)) Assert.Contains($"STEP {step} ", result.Stdout);
        Assert.Contains("PASSED XEP-0045", result.Stdout);
    }
}
