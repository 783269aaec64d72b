using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Upload;

/// <summary>
/// Issue 21 interop with a client nobody here wrote: tests/interop/slixmpp_upload.py finds
/// upload.localhost through the server's disco with Debian's python3-slixmpp (xep_0030; the
/// xep_0363 plugin's own discovery passes coroutines to asyncio.wait, which Python 3.11 refuses),
/// then the xep_0363 plugin gets a slot and PUTs a file with aiohttp over HTTPS, the certificate
/// checked against the service's own; the script downloads it through the URL slixmpp returned
/// and finds the same bytes.
/// </summary>
[Collection(UploadCollection.Name)]
public sealed class UploadInteropTests(UploadClusterFixture fixture, ITestOutputHelper output)
{
    private const string Python = "/usr/bin/python3"; // not the PATH python3, which may be a pyenv one without slixmpp

    [Fact]
    public async Task Xep0363_slixmpp_finds_the_service_uploads_a_file_and_it_downloads_identical()
    {
        if (!File.Exists(Python))
            Assert.Fail($"{Python} is missing; the interop test needs Debian's python3 with python3-slixmpp and python3-aiohttp");
        var cluster = fixture.Cluster;
        var alice = await cluster.NewUserAsync("slixupload-alice");

        var result = await ProcessRunner.RunAsync(Python,
        [
            Path.Combine(RepoPaths.InteropScripts, "slixmpp_upload.py"),
            "--host", "127.0.0.1", "--port", cluster.C2s1Port.ToString(),
            "--jid", alice.Jid, "--password", alice.Password,
            "--service", Cluster.UploadDomain, "--size", "300000", "--timeout", "60",
        ], TimeSpan.FromSeconds(90), environment: new Dictionary<string, string>
        {
            ["PYTHONDONTWRITEBYTECODE"] = "1",
            ["SSL_CERT_FILE"] = cluster.UploadCertificatePem, // aiohttp trusts exactly the service's certificate
        });
        output.WriteLine(result.Output);

        Assert.True(result.ExitCode == 0, $"slixmpp_upload.py failed ({result.ExitCode}):\n{result.Output}\n{cluster.OutputTail()}");
        Assert.Contains($"STEP 1 discovered: {Cluster.UploadDomain}", result.Stdout);
        Assert.Contains("STEP 2 uploaded: 300000 bytes", result.Stdout);
        Assert.Contains("STEP 3 downloaded: 300000 identical bytes", result.Stdout);
    }
}
