using System.Net;
using Xmpp.C2s.Sasl;

namespace Xmpp.C2s.Registration;

/// <summary>
/// Registrations per client address on this frontend (C2s:Registration:PerAddress*): at most
/// <see cref="RegistrationOptions.PerAddressLimit"/> in a sliding <see cref="RegistrationOptions.PerAddressWindow"/>.
/// IPv6 addresses count per /64. Bounded: beyond PerAddressMaxTracked addresses the least recently seen is forgotten.
/// </summary>
public sealed class RegistrationLimiter(RegistrationOptions options, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly Dictionary<string, Queue<DateTimeOffset>> _byAddress = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _order = new();
    private readonly Lock _lock = new();

    public int Tracked { get { lock (_lock) return _byAddress.Count; } }

    /// <summary>Records an attempt from <paramref name="address"/>; false (nothing recorded) when the address is over its limit.</summary>
    public bool TryAcquire(IPAddress address)
    {
        if (options.PerAddressLimit <= 0) return true;
        var key = AddressBackoff.KeyOf(address);
        var now = _clock.GetUtcNow();
        lock (_lock)
        {
            if (!_byAddress.TryGetValue(key, out var times))
            {
                if (_byAddress.Count >= Math.Max(1, options.PerAddressMaxTracked) && _order.First is { } oldest)
                {
                    _byAddress.Remove(oldest.Value);
                    _order.RemoveFirst();
                }
                _byAddress[key] = times = new Queue<DateTimeOffset>();
            }
            else
            {
                _order.Remove(key);
            }
            _order.AddLast(key);
            while (times.Count > 0 && now - times.Peek() >= options.PerAddressWindow) times.Dequeue();
            if (times.Count >= options.PerAddressLimit) return false;
            times.Enqueue(now);
            return true;
        }
    }
}
