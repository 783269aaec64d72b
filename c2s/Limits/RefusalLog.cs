using Xmpp.Common.Link;

namespace Xmpp.C2s.Limits;

/// <summary>
/// Rate-limits a warning that a flood would otherwise repeat for every connection: the first one
/// is written, then at most one per interval, saying how many were not written in between.
/// </summary>
public sealed class RefusalLog(ILogger logger, TimeSpan interval)
{
    private readonly RateLimitedCount _count = new((long)interval.TotalMilliseconds);

    public void Warn(string reason, string address, string detail)
    {
        if (!_count.ShouldReport(out var count)) return;
        logger.LogWarning("Refused a connection from {Address}: {Reason} ({Detail}); {Suppressed} more refusals since the last such line",
            address, reason, detail, count - 1);
    }
}
