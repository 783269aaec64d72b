using Xmpp.Common.Pki;

namespace Xmpp.Integration.Tests.Harness;

/// <summary>The pubsub service (pubsub/, XEP-0060 on its own domain), started on demand beside a cluster (issue 21).</summary>
public sealed partial class Cluster
{
    public const string PubSubDomain = "pubsub." + Domain;

    public ServerProcess? PubSub { get; private set; }

    /// <summary>
    /// Starts xmpp-pubsub for <see cref="PubSubDomain"/> (its component certificate issued in the
    /// cluster's PKI, its SQLite file under the cluster's data directory) with <paramref name="extraArgs"/>;
    /// returns when it logged READY, i.e. the domain is bound on the router.
    /// </summary>
    public async Task<ServerProcess> StartPubSubAsync(params string[] extraArgs)
    {
        lock (_metricsPorts) _metricsPorts.TryAdd("pubsub", FreePort.Pick());
        PubSub = await StartProcessAsync("pubsub", RepoPaths.PubSub,
        [
            $"--Component:Domain={PubSubDomain}", $"--Component:ServerDomain={Domain}",
            $"--PubSub:DataDirectory={Path.Combine(DataDirectory, "pubsub")}", $"--Router:Address={RouterAddress}",
            .. Pki.ComponentArgs(PkiLayout.Component(PubSubDomain)), .. extraArgs,
        ]);
        return PubSub;
    }

    /// <summary>Starts pubsub again (after the test killed it) with the same data directory and settings; returns when it logged READY.</summary>
    public async Task<ServerProcess> RestartPubSubAsync()
    {
        var (dll, args) = _startedWith["pubsub"];
        PubSub = await StartProcessAsync("pubsub", dll, args);
        return PubSub;
    }
}
