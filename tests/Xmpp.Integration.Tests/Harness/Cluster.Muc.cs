using Xmpp.Common.Pki;

namespace Xmpp.Integration.Tests.Harness;

/// <summary>The group chat service (muc/), started on demand beside a cluster as conference.localhost (issue 21).</summary>
public sealed partial class Cluster
{
    public const string MucDomain = "conference." + Domain;

    public ServerProcess? Muc { get; private set; }

    /// <summary>
    /// Starts xmpp-muc for <see cref="MucDomain"/> with its data under the cluster's data directory
    /// (its component certificate issued in the cluster's PKI); returns when it logged READY (bound on the router).
    /// </summary>
    public async Task<ServerProcess> StartMucAsync(params string[] extraArgs)
    {
        lock (_metricsPorts) _metricsPorts.TryAdd("muc", FreePort.Pick());
        Muc = await StartProcessAsync("muc", RepoPaths.Muc,
        [
            $"--Component:Domain={MucDomain}", $"--Component:ServerDomain={Domain}", $"--Router:Address={RouterAddress}",
            $"--Muc:DataDirectory={Path.Combine(DataDirectory, "muc")}", .. Pki.ComponentArgs(PkiLayout.Component(MucDomain)), .. extraArgs,
        ]);
        return Muc;
    }

    /// <summary>Starts muc again (after the test killed it) with the same data directory and settings; returns when it logged READY.</summary>
    public async Task<ServerProcess> RestartMucAsync()
    {
        var dead = Muc ?? throw new InvalidOperationException("muc was never started");
        Muc = await StartAgainAsync(dead);
        return Muc;
    }
}
