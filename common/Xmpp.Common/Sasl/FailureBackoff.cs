namespace Xmpp.Common.Sasl;

/// <summary>The settings of a <see cref="FailureBackoff"/>.</summary>
/// <param name="FreeFailures">Failures a key may have before any back-off.</param>
/// <param name="Backoff">The back-off after the first failure beyond the free ones; it doubles with each further failure.</param>
/// <param name="MaxBackoff">The longest back-off.</param>
/// <param name="ForgetAfter">A key with no failure for this long (and no back-off running) starts again from zero.</param>
/// <param name="MaxTracked">Most keys remembered; beyond, the least recently failed ones are forgotten first.</param>
public sealed record BackoffSettings(int FreeFailures, TimeSpan Backoff, TimeSpan MaxBackoff, TimeSpan ForgetAfter, int MaxTracked);

/// <summary>
/// Failed login attempts counted per key (a client address in c2s, an account name in sm) with a
/// growing back-off: none for the first <see cref="BackoffSettings.FreeFailures"/>, then
/// <see cref="BackoffSettings.Backoff"/>, doubling with every further failure up to
/// <see cref="BackoffSettings.MaxBackoff"/>. Memory is bounded by <see cref="BackoffSettings.MaxTracked"/>.
/// Thread-safe.
/// </summary>
public sealed class FailureBackoff(BackoffSettings settings, TimeProvider? clock = null)
{
    private sealed class Entry
    {
        public int Failures;
        public DateTimeOffset LastFailure;
        public DateTimeOffset Until;
    }

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public BackoffSettings Settings => settings;

    /// <summary>Keys currently remembered.</summary>
    public int Count
    {
        get { lock (_lock) return _entries.Count; }
    }

    /// <summary>How long <paramref name="key"/>'s back-off still runs; zero when it has none.</summary>
    public TimeSpan Remaining(string key)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out var entry)) return TimeSpan.Zero;
            var left = entry.Until - _clock.GetUtcNow();
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }

    /// <summary>Records a failure of <paramref name="key"/> and returns the back-off it now has (zero while free failures remain).</summary>
    public TimeSpan Fail(string key)
    {
        var now = _clock.GetUtcNow();
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out var entry))
            {
                if (_entries.Count >= Math.Max(1, settings.MaxTracked)) Evict(now);
                entry = new Entry();
                _entries[key] = entry;
            }
            else if (IsStale(entry, now))
            {
                entry.Failures = 0;
            }
            entry.Failures++;
            entry.LastFailure = now;
            var delay = DelayAfter(entry.Failures);
            if (delay > TimeSpan.Zero) entry.Until = now + delay;
            return delay;
        }
    }

    /// <summary>Forgets <paramref name="key"/>'s failures (after a successful login).</summary>
    public void Succeed(string key)
    {
        lock (_lock) _entries.Remove(key);
    }

    /// <summary>The back-off after the <paramref name="failures"/>-th failure in a row.</summary>
    public TimeSpan DelayAfter(int failures)
    {
        var beyond = failures - settings.FreeFailures;
        if (beyond <= 0 || settings.Backoff <= TimeSpan.Zero) return TimeSpan.Zero;
        var ticks = settings.Backoff.Ticks;
        for (var i = 1; i < beyond && ticks < settings.MaxBackoff.Ticks; i++) ticks *= 2;
        return TimeSpan.FromTicks(Math.Min(ticks, settings.MaxBackoff.Ticks));
    }

    private bool IsStale(Entry entry, DateTimeOffset now) => now - entry.LastFailure >= settings.ForgetAfter && now >= entry.Until;

    /// <summary>Makes room: drops the stale keys, and if that is not enough the least recently failed eighth.</summary>
    private void Evict(DateTimeOffset now)
    {
        foreach (var (key, entry) in _entries)
            if (IsStale(entry, now)) _entries.Remove(key);
        if (_entries.Count < settings.MaxTracked) return;
        var oldest = _entries.OrderBy(e => e.Value.LastFailure).Take(Math.Max(1, _entries.Count / 8)).Select(e => e.Key).ToList();
        foreach (var key in oldest) _entries.Remove(key);
    }
}
