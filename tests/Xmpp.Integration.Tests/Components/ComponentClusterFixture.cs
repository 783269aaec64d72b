using Xmpp.Integration.Tests.Harness;

namespace Xmpp.Integration.Tests.Components;

/// <summary>
/// Router, sm, one c2s and the XEP-0114 gateway, which accepts the component domains
/// <see cref="Domain"/> (secret <see cref="Secret"/>) and <see cref="OtherDomain"/>.
/// </summary>
public sealed class ComponentClusterFixture : IAsyncLifetime
{
    public const string Domain = "service.localhost";
    public const string OtherDomain = "other.localhost";
    public const string Secret = "s3cret-for-tests";
    public const string OtherSecret = "another-secret";

    public Cluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await Cluster.StartAsync(new ClusterOptions { C2sCount = 1 });
        try
        {
            await Cluster.StartGatewayAsync(new Dictionary<string, string> { [Domain] = Secret, [OtherDomain] = OtherSecret });
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
public sealed class ComponentCollection : ICollectionFixture<ComponentClusterFixture>
{
    public const string Name = "components";
}
