using System.Runtime;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Xmpp.Common.Hosting;

/// <summary>
/// Gives memory back to the system once a burst of work (a wave of logins, a mass disconnect) has
/// passed, so a process that then sits idle, holding thousands of idle connections, is not charged
/// for the peak. Every <see cref="MemoryOptions.TrimInterval"/> it compares the managed bytes
/// allocated since the last look with <see cref="MemoryOptions.QuietAllocatedBytes"/>:
/// <list type="bullet">
/// <item>Managed heap: after a burst the GC keeps what it committed for it (allocation budget, free
///   regions), and an idle process runs no GC that would release it. In a quiet interval, if the GC
///   holds more than <see cref="MemoryOptions.MinSlackBytes"/> beyond its live heap (and more than
///   half the heap again), one blocking aggressive collection compacts and decommits it (tens of
///   milliseconds for tens of MiB). Rare by construction: afterwards the slack is gone, and a busy
///   process never qualifies.</item>
/// <item>Native heap: TLS handshakes and closed connections leave OpenSSL's (and SQLite's) freed
///   memory inside glibc's malloc arenas, resident until something calls malloc_trim. In the first
///   few quiet intervals after activity (memory is freed a while after the work: finalizers, idle
///   pool threads) it calls malloc_trim(0) (under a millisecond for a heap of a hundred MiB).
///   Nothing on a C library without it (musl).</item>
/// </list>
/// </summary>
public sealed class MemoryTrimmer(IOptions<MemoryOptions> options, ILogger<MemoryTrimmer> logger) : BackgroundService
{
    /// <summary>Quiet intervals after activity in which the native heap is still trimmed.</summary>
    private const int QuietTicksTrimmed = 6;

    private static int _mallocTrimMissing;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (o.TrimInterval <= TimeSpan.Zero) return;
        var allocated = GC.GetTotalAllocatedBytes();
        var quietTicks = QuietTicksTrimmed + 1;
        using var timer = new PeriodicTimer(o.TrimInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var now = GC.GetTotalAllocatedBytes();
            var quiet = now - allocated < o.QuietAllocatedBytes;
            allocated = now;
            quietTicks = quiet ? quietTicks + 1 : 0;
            if (quietTicks is 0 or > QuietTicksTrimmed) continue;
            CompactIfWorthIt(o);
            TrimNative();
            allocated = GC.GetTotalAllocatedBytes(); // our own allocations do not count as activity
        }
    }

    private void CompactIfWorthIt(MemoryOptions o)
    {
        var info = GC.GetGCMemoryInfo();
        var slack = info.TotalCommittedBytes - info.HeapSizeBytes;
        if (slack < o.MinSlackBytes || slack < info.HeapSizeBytes / 2) return;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        if (logger.IsEnabled(LogLevel.Debug))
        {
            var after = GC.GetGCMemoryInfo();
            logger.LogDebug("Compacted the managed heap in {Ms:F1} ms: committed {Before} -> {After} KiB, heap {Heap} KiB",
                System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                info.TotalCommittedBytes / 1024, after.TotalCommittedBytes / 1024, after.HeapSizeBytes / 1024);
        }
    }

    private void TrimNative()
    {
        if (!OperatingSystem.IsLinux() || Volatile.Read(ref _mallocTrimMissing) == 1) return;
        try
        {
            malloc_trim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            Volatile.Write(ref _mallocTrimMissing, 1);
            logger.LogInformation("No malloc_trim in this C library: the native heap is not trimmed");
        }
    }

    [DllImport("libc.so.6", ExactSpelling = true)]
    private static extern int malloc_trim(nuint pad);
}
