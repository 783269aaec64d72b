using System.Net;

namespace Xmpp.C2s.Limits;

/// <summary>What <see cref="ConnectionLimiter.TryAdmit"/> decided; the names other than Admitted are the refusal counter's reason tag.</summary>
public enum Admission
{
    Admitted,
    /// <summary>C2s:Limits:MaxConnectionsPerIp connections from this address are open.</summary>
    TooManyOpen,
    /// <summary>The address's token bucket (C2s:Limits:ConnectionsPerIpPerSecond, burst C2s:Limits:ConnectionBurstPerIp) is empty.</summary>
    TooFast,
    /// <summary>C2s:Limits:MaxTrackedAddresses addresses are tracked and none could be forgotten.</summary>
    TooManyAddresses,
}

/// <summary>Settings of a <see cref="ConnectionLimiter"/>: a value of 0 turns that limit off.</summary>
public sealed record ConnectionLimits(double PerSecond, int Burst, int MaxOpen, int MaxTracked, int Ipv6PrefixLength);

/// <summary>
/// Per-address connection limits, pure logic (the caller passes the time): a token bucket of new
/// connections per second with a burst, and a count of open connections. IPv6 addresses count per
/// network prefix (C2s:Limits:Ipv6PrefixLength, /64 by default: one subscriber's share). Memory is
/// bounded: an address with no open connection and a full bucket is forgotten (it is then no
/// different from a new one) on a sweep at most every few seconds, and at most MaxTracked
/// addresses are kept; when that many are tracked and a sweep frees none, a new address is refused.
/// Thread-safe (one lock; every operation is a dictionary look-up).
/// </summary>
public sealed class ConnectionLimiter(ConnectionLimits limits)
{
    private sealed class Entry
    {
        public double Tokens;
        public long Refilled;
        public int Open;
    }

    private static readonly long SweepInterval = TimeSpan.FromSeconds(5).Ticks;
    private readonly Dictionary<IPAddress, Entry> _entries = [];
    private readonly Lock _lock = new();
    private long _lastSweep = long.MinValue / 2;

    public ConnectionLimits Limits => limits;

    /// <summary>Addresses tracked now.</summary>
    public int Tracked { get { lock (_lock) return _entries.Count; } }

    /// <summary>The key an address is counted under: IPv4 as is, IPv6 masked to its prefix.</summary>
    public IPAddress KeyOf(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6 || limits.Ipv6PrefixLength is <= 0 or >= 128) return address;
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        var prefix = limits.Ipv6PrefixLength;
        for (var i = 0; i < 16; i++)
        {
            var keep = Math.Clamp(prefix - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF00 >> keep);
        }
        return new IPAddress(bytes);
    }

    /// <summary>Counts a new connection from <paramref name="address"/> at <paramref name="now"/> (ticks), or says why it is refused.</summary>
    public Admission TryAdmit(IPAddress address, long now)
    {
        var key = KeyOf(address);
        lock (_lock)
        {
            if (now - _lastSweep >= SweepInterval) Sweep(now);
            if (!_entries.TryGetValue(key, out var entry))
            {
                if (limits.MaxTracked > 0 && _entries.Count >= limits.MaxTracked)
                {
                    if (now - _lastSweep >= TimeSpan.TicksPerSecond) Sweep(now);
                    if (_entries.Count >= limits.MaxTracked) return Admission.TooManyAddresses;
                }
                entry = new Entry { Tokens = limits.Burst, Refilled = now };
                _entries[key] = entry;
            }
            Refill(entry, now);
            if (limits.MaxOpen > 0 && entry.Open >= limits.MaxOpen) return Admission.TooManyOpen;
            if (limits.PerSecond > 0)
            {
                if (entry.Tokens < 1) return Admission.TooFast;
                entry.Tokens -= 1;
            }
            entry.Open++;
            return Admission.Admitted;
        }
    }

    /// <summary>A connection admitted from <paramref name="address"/> closed.</summary>
    public void Release(IPAddress address)
    {
        var key = KeyOf(address);
        lock (_lock)
            if (_entries.TryGetValue(key, out var entry) && entry.Open > 0) entry.Open--;
    }

    /// <summary>Connections open from <paramref name="address"/>'s key.</summary>
    public int OpenFrom(IPAddress address)
    {
        lock (_lock) return _entries.TryGetValue(KeyOf(address), out var entry) ? entry.Open : 0;
    }

    private void Refill(Entry entry, long now)
    {
        if (limits.PerSecond <= 0) return;
        var elapsed = Math.Max(0, now - entry.Refilled);
        entry.Tokens = Math.Min(limits.Burst, entry.Tokens + elapsed * limits.PerSecond / TimeSpan.TicksPerSecond);
        entry.Refilled = now;
    }

    /// <summary>Forgets every address with no open connection and a full bucket: it would start over the same.</summary>
    private void Sweep(long now)
    {
        _lastSweep = now;
        List<IPAddress>? idle = null;
        foreach (var (key, entry) in _entries)
        {
            if (entry.Open > 0) continue;
            Refill(entry, now);
            if (limits.PerSecond <= 0 || entry.Tokens >= limits.Burst) (idle ??= []).Add(key);
        }
        if (idle is null) return;
        foreach (var key in idle) _entries.Remove(key);
    }
}
