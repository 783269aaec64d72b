using Xmpp.Upload.Http;

using Xmpp.Upload.Telemetry;

namespace Xmpp.Upload.Storage;

/// <summary>
/// A timer (every Upload:ExpiryInterval) that deletes, from disk and the index, the files whose
/// Upload:FileLifetime ended and the slots nobody used within Upload:SlotLifetime (with any .part
/// file an interrupted upload left); an upload running now is left to finish. Logged and counted.
/// </summary>
public sealed class UploadExpiry(UploadIndex index, FileStore files, UploadsInProgress inProgress, Microsoft.Extensions.Options.IOptions<UploadOptions> options,
    TimeProvider time, ILogger<UploadExpiry> logger) : BackgroundService
{
    /// <summary>One pass; returns how many (files, slots) it removed.</summary>
    public (int Files, int Slots) Sweep()
    {
        var expired = index.RemoveExpired(time.GetUtcNow(), inProgress.Contains);
        var (fileCount, slotCount) = (0, 0);
        foreach (var slot in expired)
        {
            try { files.Delete(slot.Id); }
            catch (IOException e) { logger.LogWarning("Deleting the expired upload {Slot} failed: {Error}", Slot.ShortId(slot.Id), e.Message); }
            if (slot.IsComplete) fileCount++;
            else slotCount++;
        }
        if (fileCount > 0) UploadTelemetry.Expire("file", fileCount);
        if (slotCount > 0) UploadTelemetry.Expire("slot", slotCount);
        if (expired.Count > 0) logger.LogInformation("Upload expiry: {Files} files and {Slots} unused slots deleted", fileCount, slotCount);
        return (fileCount, slotCount);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ExpiryInterval, time);
        do
        {
            try { Sweep(); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Upload expiry failed; trying again in {Interval}", options.Value.ExpiryInterval);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
