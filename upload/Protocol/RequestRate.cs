namespace Xmpp.Upload.Protocol;

/// <summary>
/// A token bucket per account for slot requests: <c>burst</c> at once, refilled at <c>perMinute</c>.
/// Memory is bounded: once it tracks many accounts, those whose bucket has refilled are forgotten.
/// Not thread-safe; the service handles one stanza at a time.
/// </summary>
public sealed class RequestRate(int burst, double perMinute, TimeProvider time)
{
    private const int PruneAbove = 10_000;
    private readonly Dictionary<string, (double Tokens, DateTimeOffset At)> _buckets = new(StringComparer.Ordinal);

    /// <summary>Takes a token for <paramref name="account"/>; false (and when the next one comes) when none is left.</summary>
    public bool TryTake(string account, out DateTimeOffset nextAt)
    {
        var now = time.GetUtcNow();
        nextAt = now;
        if (burst <= 0) return true;
        var tokens = _buckets.TryGetValue(account, out var bucket) ? Refilled(bucket, now) : burst;
        if (tokens < 1)
        {
            nextAt = now + TimeSpan.FromMinutes((1 - tokens) / perMinute);
            _buckets[account] = (tokens, now);
            return false;
        }
        if (_buckets.Count >= PruneAbove) Prune(now);
        _buckets[account] = (tokens - 1, now);
        return true;
    }

    private double Refilled((double Tokens, DateTimeOffset At) bucket, DateTimeOffset now) =>
        Math.Min(burst, bucket.Tokens + (now - bucket.At).TotalMinutes * perMinute);

    private void Prune(DateTimeOffset now)
    {
        foreach (var (account, bucket) in _buckets.ToList())
            if (Refilled(bucket, now) >= burst) _buckets.Remove(account);
    }
}
