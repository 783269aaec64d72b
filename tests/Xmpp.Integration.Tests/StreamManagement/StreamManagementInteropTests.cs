using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.StreamManagement;

/// <summary>
/// Issue 20: Debian's python3-slixmpp XEP-0198 plugin enables stream management against our
/// server, is acknowledged, loses its connection, and resumes its session (on the same c2s, and
/// on the other one) receiving what was sent meanwhile exactly once (tests/interop/slixmpp_resume.py).
/// </summary>
public sealed class StreamManagementInteropTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    private const string Python = "/usr/bin/python3"; // not the PATH python3, which may be a pyenv one without slixmpp

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Slixmpp_enables_stream_management_and_resumes_its_session(bool onTheOtherC2s)
    {
        if (!File.Exists(Python)) Assert.Fail($"{Python} is missing; the interop test needs Debian's python3 with python3-slixmpp");
        var sender = await Cluster.NewUserAsync("slix-sm-sender");
        var receiver = await Cluster.NewUserAsync("slix-sm-receiver");
        var result = await ProcessRunner.RunAsync(Python,
        [
            Path.Combine(RepoPaths.InteropScripts, "slixmpp_resume.py"),
            "--host", "127.0.0.1",
            "--sender-port", C2s2.ToString(), "--receiver-port", C2s1.ToString(),
            "--resume-port", (onTheOtherC2s ? C2s2 : C2s1).ToString(),
            "--sender", sender.Jid, "--sender-password", sender.Password,
            "--receiver", receiver.Jid, "--receiver-password", receiver.Password,
            "--timeout", "60",
        ], TimeSpan.FromSeconds(90), environment: new Dictionary<string, string> { ["PYTHONDONTWRITEBYTECODE"] = "1" });
        Output.WriteLine(result.Output);

        Assert.True(result.ExitCode == 0, $"slixmpp_resume.py failed ({result.ExitCode}):\n{result.Output}\n{Cluster.OutputTail()}");
        Assert.Contains("resume=True", result.Stdout);
        Assert.Contains("the server acknowledged its message", result.Stdout);
        Assert.Contains("receiver: session resumed", result.Stdout);
        Assert.Contains("RESUMED and received during-1..3 once each", result.Stdout);
    }
}
