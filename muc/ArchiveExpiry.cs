using Microsoft.Extensions.Options;
using Xmpp.Muc.Storage;
using Xmpp.Muc.Telemetry;

namespace Xmpp.Muc;

/// <summary>Deletes archived messages older than Muc:ArchiveRetention, every Muc:ArchiveExpiryInterval (and once at start).</summary>
public sealed class ArchiveExpiry(IOptions<MucOptions> options, IMucStore store, TimeProvider clock, MucTelemetry telemetry, ILogger<ArchiveExpiry> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retention = options.Value.ArchiveRetention;
        if (retention <= TimeSpan.Zero) return;
        using var timer = new PeriodicTimer(options.Value.ArchiveExpiryInterval, clock);
        do
        {
            try
            {
                var removed = store.DeleteOlderThan(clock.GetUtcNow() - retention);
                var total = removed.Values.Sum();
                telemetry.ArchiveRemoved("expired", total);
                if (total > 0) logger.LogInformation("Deleted {Count} archived messages older than {Retention} from {Rooms} rooms", total, retention, removed.Count);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Deleting expired archived messages failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
