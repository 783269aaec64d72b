using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using Xmpp.C2s.Connections;

namespace Xmpp.C2s.Hosting;

/// <summary>
/// Gives the native heap's free memory back to the system after connections came or went. TLS
/// handshakes and closed connections leave OpenSSL's freed memory inside glibc's malloc arenas,
/// which keeps it resident (and counted in RSS) until something calls malloc_trim: about a third
/// of an idle TLS connection's measured memory. Every C2s:NativeTrimInterval, if connections came
/// or went within the last few intervals (memory is freed a while after they do: finalizers, idle
/// pool threads), this calls glibc's malloc_trim(0) once (under a millisecond for a heap of a
/// hundred MiB); a process where nothing changes is left alone. Off when the interval is zero, and
/// on a C library without malloc_trim (musl), where it does nothing.
/// </summary>
public sealed class NativeHeapTrimmer(IOptions<C2sOptions> options, ConnectionRegistry registry, ILogger<NativeHeapTrimmer> logger)
    : BackgroundService
{
    /// <summary>Intervals without a change after which trimming stops until the next change.</summary>
    private const int QuietTicksTrimmed = 6;

    private static readonly unsafe delegate* unmanaged<nuint, int> MallocTrim = FindMallocTrim();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.NativeTrimInterval;
        if (interval <= TimeSpan.Zero || !Available) return;
        var seen = registry.Changes;
        var quietTicks = QuietTicksTrimmed;
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var now = registry.Changes;
            quietTicks = now == seen ? quietTicks + 1 : 0;
            seen = now;
            if (quietTicks <= QuietTicksTrimmed) Trim();
        }
    }

    private static unsafe bool Available => MallocTrim != null;

    private unsafe void Trim()
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        MallocTrim(0);
        if (logger.IsEnabled(LogLevel.Debug))
            logger.LogDebug("malloc_trim took {Ms:F1} ms", System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private static unsafe delegate* unmanaged<nuint, int> FindMallocTrim()
    {
        if (!OperatingSystem.IsLinux()) return null;
        return NativeLibrary.TryLoad("libc.so.6", out var libc) && NativeLibrary.TryGetExport(libc, "malloc_trim", out var trim)
            ? (delegate* unmanaged<nuint, int>)trim
            : null;
    }
}
