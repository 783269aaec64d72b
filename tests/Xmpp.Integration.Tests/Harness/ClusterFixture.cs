namespace Xmpp.Integration.Tests.Harness;

/// <summary>One cluster shared by the tests of the "cluster" collection; restarted if a process died.</summary>
public class ClusterFixture : IAsyncLifetime
{
    private readonly ClusterOptions _options;
    private Cluster? _cluster;

    public ClusterFixture() : this(new ClusterOptions())
    {
    }

    /// <summary>A shared cluster started with <paramref name="options"/> (a fixture of another collection).</summary>
    protected ClusterFixture(ClusterOptions options) => _options = options;

    public Cluster Cluster => _cluster ?? throw new InvalidOperationException("the cluster is not started");

    public async Task InitializeAsync() => _cluster = await Cluster.StartAsync(_options);

    /// <summary>Starts a fresh cluster when a process of the current one has died (a previous test crashed it).</summary>
    public async Task<string?> EnsureHealthyAsync()
    {
        if (_cluster is not null && !_cluster.Processes.Any(p => p.HasExited)) return null;
        var report = _cluster?.OutputTail(60);
        if (_cluster is not null) await _cluster.DisposeAsync();
        _cluster = null;
        _cluster = await Cluster.StartAsync(_options);
        return report;
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
