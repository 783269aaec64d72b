using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>Interop with a client nobody here wrote: slixmpp (Debian python3-slixmpp) runs tests/interop/slixmpp_chat.py.</summary>
public class InteropTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    private const string Python = "/usr/bin/python3"; // not the PATH python3, which may be a pyenv one without slixmpp

    [Theory]
    [InlineData(null)]
    [InlineData("1.2")]
    [InlineData("1.3")]
    public async Task Slixmpp_clients_on_two_c2s_exchange_a_message_over_starttls_and_scram_sha_256(string? tlsVersion)
    {
        await AssertSlixmppInstalledAsync();
        var sender = await Cluster.NewUserAsync("slix-sender");
        var receiver = await Cluster.NewUserAsync("slix-receiver");

        var result = await ProcessRunner.RunAsync(Python,
        [
            Path.Combine(RepoPaths.InteropScripts, "slixmpp_chat.py"),
            "--host", "127.0.0.1",
            "--sender-port", C2s1.ToString(), "--receiver-port", C2s2.ToString(),
            "--sender", sender.Jid, "--sender-password", sender.Password,
            "--receiver", receiver.Jid, "--receiver-password", receiver.Password,
            "--timeout", "40",
            .. (tlsVersion is null ? Array.Empty<string>() : ["--tls-version", tlsVersion]),
        ], TimeSpan.FromSeconds(60), environment: new Dictionary<string, string> { ["PYTHONDONTWRITEBYTECODE"] = "1" });
        Output.WriteLine(result.Output);

        Assert.True(result.ExitCode == 0, $"slixmpp_chat.py failed ({result.ExitCode}):\n{result.Output}\n{Cluster.OutputTail()}");
        Assert.Contains("sender: authenticated with SCRAM-SHA-256", result.Stdout);
        Assert.Contains("receiver: authenticated with SCRAM-SHA-256", result.Stdout);
        Assert.Contains("RECEIVED hello from slixmpp", result.Stdout);
        if (tlsVersion is not null)
        {
            Assert.Contains($"sender: TLS version TLSv{tlsVersion}", result.Stdout);
            Assert.Contains($"receiver: TLS version TLSv{tlsVersion}", result.Stdout);
        }
    }

    private static async Task AssertSlixmppInstalledAsync()
    {
        if (!File.Exists(Python))
            Assert.Fail($"{Python} is missing; the interop test needs Debian's python3 with python3-slixmpp (apt-get install python3-slixmpp)");
        var probe = await ProcessRunner.RunAsync(Python, ["-c", "import slixmpp; print(slixmpp.__version__)"], TimeSpan.FromSeconds(30));
        if (probe.ExitCode != 0)
            Assert.Fail($"python3-slixmpp is not installed for {Python} (apt-get install python3-slixmpp): {probe.Output}");
    }
}
