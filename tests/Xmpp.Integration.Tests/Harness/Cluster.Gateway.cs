using Xmpp.Common.Pki;

namespace Xmpp.Integration.Tests.Harness;

/// <summary>The XEP-0114 gateway, started on demand beside a cluster (issue 21).</summary>
public sealed partial class Cluster
{
    /// <summary>The gateway's component port, once <see cref="StartGatewayAsync"/> ran.</summary>
    public int GatewayPort { get; private set; }

    public ServerProcess? Gateway { get; private set; }

    /// <summary>
    /// Starts the gateway on a free loopback port for the given component domains and their shared
    /// secrets (each domain's component certificate issued in the cluster's PKI); returns when it logged READY.
    /// </summary>
    public async Task<ServerProcess> StartGatewayAsync(IReadOnlyDictionary<string, string> secrets)
    {
        GatewayPort = FreePort.Pick();
        lock (_metricsPorts) _metricsPorts["gateway"] = FreePort.Pick();
        var args = new List<string>
        {
            "--Gateway:ListenAddress=127.0.0.1", $"--Gateway:Port={GatewayPort}", $"--Gateway:Domain={Domain}",
            $"--Router:Address={RouterAddress}", $"--Router:CaCertificate={Pki.Layout.CaCertificate}",
            $"--Gateway:CertificateDirectory={Pki.Directory}",
        };
        foreach (var (domain, secret) in secrets)
        {
            Pki.CertificateFor(PkiLayout.Component(domain));
            args.Add($"--Gateway:Components:{domain}:Secret={secret}");
        }
        Gateway = await StartProcessAsync("gateway", RepoPaths.Gateway, [.. args]);
        return Gateway;
    }
}
