using Xmpp.Integration.Tests.Clients;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Harness;

/// <summary>
/// The clients of a test that runs its own cluster: logged in through it, closed when the test ends
/// (declare it after the cluster, so it goes first), and then the cluster's output written to the
/// test output. <see cref="ClusterTest"/> does the same for the shared cluster.
/// </summary>
public sealed class OwnClusterClients(Cluster cluster, ITestOutputHelper output, int tailLines) : IAsyncDisposable
{
    private readonly List<TestClient> _clients = [];

    /// <summary>Logs <paramref name="account"/> in on the c2s at <paramref name="port"/> (STARTTLS, SASL, bind, presence).</summary>
    public async Task<TestClient> LoginAsync(Account account, int port, string? resource = null)
    {
        var client = await cluster.LoginAsync(account, port, resource);
        _clients.Add(client);
        return client;
    }

    /// <summary>Closes one client before the test ends.</summary>
    public async Task CloseAsync(TestClient client)
    {
        _clients.Remove(client);
        await client.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients) await client.DisposeAsync();
        output.WriteLine(cluster.OutputTail(tailLines));
    }
}
