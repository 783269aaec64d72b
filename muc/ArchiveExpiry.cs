using Microsoft.Extensions.Options;
using Xmpp.Muc.Protocol;
using Xmpp.Muc.Storage;
using Xmpp.Muc.Telemetry;

namespace Xmpp.Muc;

/// <summary>Deletes archived messages older than Muc:ArchiveRetention, every Muc:ArchiveExpiryInterval (and once at start).</summary>
public sealed class ArchiveExpiry(IOptions<MucOptions> options, IMucStore store, MucService muc, TimeProvider clock, MucTelemetry telemetry, ILogger<ArchiveExpiry> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.ArchiveRetention <= TimeSpan.Zero) return;
        using var timer = new PeriodicTimer(options.Value.ArchiveExpiryInterval, clock);
        do
        {
            try
            {
                ExpireOnce();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Deleting expired archived messages failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One pass: deletes what is older than the retention, tells the rooms; returns how many messages went.</summary>
    public int ExpireOnce()
    {
        var retention = options.Value.ArchiveRetention;
        var removed = store.DeleteOlderThan(clock.GetUtcNow() - retention);
        if (removed.Count > 0) muc.ArchiveExpired(removed);
        var total = removed.Values.Sum();
        telemetry.ArchiveRemoved("expired", total);
        if (total > 0) logger.LogInformation("Deleted {Count} archived messages older than {Retention} from {Rooms} rooms", total, retention, removed.Count);
        return total;
    }
}
