namespace Xmpp.C2s.Limits;

/// <summary>
/// Rate-limits a warning that a flood would otherwise repeat for every connection: the first one
/// is written, then at most one per interval, saying how many were not written in between.
/// </summary>
public sealed class RefusalLog(ILogger logger, TimeSpan interval)
{
    private readonly Lock _lock = new();
    private long _last = long.MinValue / 2;
    private long _suppressed;

    public void Warn(string reason, string address, string detail)
    {
        long suppressed;
        lock (_lock)
        {
            var now = Environment.TickCount64;
            if (now - _last < (long)interval.TotalMilliseconds)
            {
                _suppressed++;
                return;
            }
            _last = now;
            suppressed = _suppressed;
            _suppressed = 0;
        }
        logger.LogWarning("Refused a connection from {Address}: {Reason} ({Detail}); {Suppressed} more refusals since the last such line",
            address, reason, detail, suppressed);
    }
}
