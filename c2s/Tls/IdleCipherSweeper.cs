using Microsoft.Extensions.Options;
using Xmpp.C2s.Connections;

namespace Xmpp.C2s.Tls;

/// <summary>
/// Every C2s:TlsIdleCipherRelease, drops the cipher objects of connections on our TLS record layer
/// that used none since the previous look: a quiet client then holds only its key bytes, and a
/// busy one keeps its ciphers (made again on demand, about a microsecond, after a quiet spell).
/// </summary>
public sealed class IdleCipherSweeper(IOptions<C2sOptions> options, ConnectionRegistry registry) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.TlsIdleCipherRelease;
        if (!options.Value.TlsTakeOverRecords || interval <= TimeSpan.Zero) return;
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var connection in registry.Enumerate()) connection.ReleaseIdleTlsCiphers();
        }
    }
}
