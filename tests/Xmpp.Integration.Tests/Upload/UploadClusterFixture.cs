using Xmpp.Integration.Tests.Harness;

namespace Xmpp.Integration.Tests.Upload;

/// <summary>
/// Router, sm, one c2s and the upload service (upload.localhost) with small limits, so a test can
/// pass them with a few megabytes: files up to <see cref="MaxFileSize"/>, <see cref="Quota"/> per account.
/// </summary>
public sealed class UploadClusterFixture : IAsyncLifetime
{
    public const long MaxFileSize = 2 * 1024 * 1024;
    public const long Quota = 3 * 1024 * 1024;
    public const int Burst = 5;

    public Cluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await Cluster.StartAsync(new ClusterOptions { C2sCount = 1 });
        try
        {
            await Cluster.StartUploadAsync($"--Upload:MaxFileSize={MaxFileSize}", $"--Upload:QuotaBytesPerUser={Quota}",
                $"--Upload:SlotRequestBurst={Burst}", "--Upload:SlotRequestsPerMinute=1");
        }
        catch
        {
            await Cluster.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null) await Cluster.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class UploadCollection : ICollectionFixture<UploadClusterFixture>
{
    public const string Name = "upload";
}
