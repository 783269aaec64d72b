using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;

namespace Xmpp.Integration.Tests.Observability;

/// <summary>
/// Router, sm and two c2s exporting traces and metrics over OTLP/HTTP (protobuf) to an
/// <see cref="OtlpReceiver"/> in the test, with short export delays. c2s logs its deliveries
/// (Debug), so a log line inside a span can be checked for its trace id.
/// </summary>
public sealed class TelemetryClusterFixture : IAsyncLifetime
{
    public OtlpReceiver Receiver { get; private set; } = null!;
    public Cluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Receiver = await OtlpReceiver.StartAsync();
        Cluster = await Cluster.StartAsync(new ClusterOptions
        {
            Environment = Receiver.ExporterEnvironment,
            ExtraArgs = new Dictionary<string, string[]> { ["c2s"] = ["--Logging:LogLevel:Xmpp.C2s.Routing=Debug"] },
        });
    }

    public async Task<TestClient> LoginAsync(Account account, int port, string resource) =>
        await TestClient.LoginAsync(port, account.Jid, account.Password, resource,
            name: $"{account.Local}@{(port == Cluster.C2s1Port ? "c2s-1" : "c2s-2")}", diagnostics: () => "\n" + Cluster.OutputTail());

    public async Task DisposeAsync()
    {
        if (Cluster is not null) await Cluster.DisposeAsync();
        if (Receiver is not null) await Receiver.DisposeAsync();
    }
}
