using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Upload;

/// <summary>
/// Issue 21: the upload process's expiry timer, with a file lifetime of three seconds
/// (Upload:FileLifetime) swept every second (Upload:ExpiryInterval): an uploaded file is served,
/// then deleted from disk and the index (logged), and its URL answers 404.
/// </summary>
public sealed class UploadExpiryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private Cluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await Cluster.StartAsync(new ClusterOptions { C2sCount = 1 });
        try
        {
            await _cluster.StartUploadAsync("--Upload:FileLifetime=00:00:03", "--Upload:ExpiryInterval=00:00:01");
        }
        catch
        {
            await _cluster.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_cluster.OutputTail(40));
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task An_uploaded_file_is_deleted_from_disk_and_its_url_is_gone_once_its_lifetime_ends()
    {
        await using var alice = await _cluster.LoginAsync(await _cluster.NewUserAsync("up-expiry"), _cluster.C2s1Port);
        using var http = UploadTests.HttpsClient(_cluster);
        var file = RandomNumberGenerator.GetBytes(10_000);
        var (put, get) = UploadTests.UrlsOf(await UploadTests.RequestSlotAsync(alice, "soon-gone.bin", file.Length));
        var stored = Path.Combine(_cluster.DataDirectory, "upload", "files", new Uri(put).Segments[2].TrimEnd('/'));

        var upload = _cluster.Upload!;
        var from = upload.LineCount;
        using (var created = await UploadTests.PutAsync(http, put, file)) Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.True(File.Exists(stored), $"{stored} after the PUT");

        await upload.WaitForLineAsync(new Regex(@"Upload expiry: 1 files and 0 unused slots deleted"), Timeout, from);
        Assert.False(File.Exists(stored), $"{stored} after expiry");
        using var gone = await http.GetAsync(get);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }
}
