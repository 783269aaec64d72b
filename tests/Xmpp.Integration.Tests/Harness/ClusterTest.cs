using Xmpp.Integration.Tests.Clients;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Harness;

/// <summary>
/// Base of the tests that run against the shared cluster: logs clients in, closes them after
/// the test, writes the processes' output of the test to the test output, and fails the test
/// if a server process died during it.
/// </summary>
[Collection(ClusterCollection.Name)]
public abstract class ClusterTest(ClusterFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<TestClient> _clients = [];
    private readonly Dictionary<ServerProcess, int> _linesAtStart = [];

    protected Cluster Cluster => fixture.Cluster;
    protected ITestOutputHelper Output => output;

    protected int C2s1 => Cluster.C2s1Port;
    protected int C2s2 => Cluster.C2s2Port;

    public async Task InitializeAsync()
    {
        if (await fixture.EnsureHealthyAsync() is { } crashReport)
            output.WriteLine($"A server process had died before this test; the cluster was restarted. Its output:\n{crashReport}");
        foreach (var p in Cluster.Processes) _linesAtStart[p] = p.LineCount;
    }

    /// <summary>Logs <paramref name="account"/> in on the c2s at <paramref name="port"/> (STARTTLS, SASL, bind, presence).</summary>
    protected async Task<TestClient> LoginAsync(Account account, int port, string? resource = null, string mechanism = "SCRAM-SHA-256", bool presence = true)
    {
        var client = await Cluster.LoginAsync(account, port, resource, mechanism, presence);
        _clients.Add(client);
        return client;
    }

    /// <summary>A TCP connection to c2s with nothing sent yet.</summary>
    protected async Task<TestClient> ConnectAsync(int port, string name)
    {
        var client = await TestClient.ConnectAsync(port, name, () => "\n" + Cluster.OutputTail());
        _clients.Add(client);
        return client;
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients) await client.DisposeAsync();
        foreach (var p in Cluster.Processes)
        {
            var lines = p.LinesFrom(_linesAtStart.GetValueOrDefault(p));
            output.WriteLine($"---- {p.Name}: {lines.Count} lines during this test ----");
            foreach (var line in lines.TakeLast(200)) output.WriteLine(line);
        }
        var dead = Cluster.Processes.Where(p => p.DiedUnexpectedly).ToArray();
        if (dead.Length > 0)
            throw new InvalidOperationException($"server process(es) died during this test: {string.Join(", ", dead.Select(p => p.Name))}\n{Cluster.OutputTail(60)}");
    }
}
