using Xmpp.Common.Sasl;
using Xmpp.Sm.Storage;

namespace Xmpp.Sm.Auth;

/// <summary>
/// The keys a PLAIN login's re-derivation replaced, kept in memory for a short grace
/// (Sm:AuthRehashGrace), so that another login of the same account already under way with the old
/// salt and count (two devices reconnecting at once after the count changed) still succeeds
/// instead of failing as a wrong password. Both sets prove the same password: the new keys were
/// derived from the password whose proof the old ones had just accepted. The old keys count only
/// while the account's keys are still exactly the ones the re-derivation stored: a password change
/// or a deletion ends the grace at once. Bounded by <c>maxTracked</c> accounts (the oldest go first).
/// Used from sm's single consumer only.
/// </summary>
public sealed class ReplacedCredentials(TimeSpan grace, int maxTracked, TimeProvider clock)
{
    private sealed record Entry(IReadOnlyList<ScramCredentialData> Previous, IReadOnlyList<ScramCredentialData> Replacement, DateTimeOffset Until);

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    public void Remember(string user, IReadOnlyList<ScramCredentialData> previous, IReadOnlyList<ScramCredentialData> replacement)
    {
        if (grace <= TimeSpan.Zero || maxTracked <= 0) return;
        var now = clock.GetUtcNow();
        if (_entries.Count >= maxTracked && !_entries.ContainsKey(user)) Evict(now);
        _entries[user] = new Entry(previous, replacement, now + grace);
    }

    /// <summary>The keys a re-derivation replaced within the grace, if <paramref name="current"/> are still the ones it stored.</summary>
    public IReadOnlyList<ScramCredentialData>? Previous(string user, IReadOnlyList<ScramCredentialData> current)
    {
        if (!_entries.TryGetValue(user, out var entry)) return null;
        if (entry.Until <= clock.GetUtcNow() || !ScramCredentialsEquality.Same(entry.Replacement, current))
        {
            _entries.Remove(user);
            return null;
        }
        return entry.Previous;
    }

    private void Evict(DateTimeOffset now)
    {
        foreach (var (user, entry) in _entries.ToList())
            if (entry.Until <= now) _entries.Remove(user);
        if (_entries.Count >= maxTracked)
            _entries.Remove(_entries.MinBy(e => e.Value.Until).Key);
    }
}
