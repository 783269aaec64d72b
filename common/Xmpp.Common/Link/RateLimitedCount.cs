namespace Xmpp.Common.Link;

/// <summary>
/// Counts events and says when to report them: at most once per interval (a second by default),
/// with how many happened since the last report. For warnings about refusals that can come by the
/// thousand (a full queue), so the log shows each episode without flooding. Thread-safe.
/// </summary>
public sealed class RateLimitedCount(long intervalMilliseconds = 1000)
{
    private long _count;
    private long _lastReport = long.MinValue / 2;

    /// <summary>Counts one event; true when it is time to report, with the events since the last report (this one included).</summary>
    public bool ShouldReport(out long count)
    {
        Interlocked.Increment(ref _count);
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastReport);
        if (now - last < intervalMilliseconds || Interlocked.CompareExchange(ref _lastReport, now, last) != last)
        {
            count = 0;
            return false;
        }
        count = Interlocked.Exchange(ref _count, 0);
        return true;
    }
}
