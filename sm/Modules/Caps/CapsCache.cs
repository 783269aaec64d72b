namespace Xmpp.Sm.Modules.Caps;

/// <summary>
/// Verified XEP-0115 verification strings and the features they stand for, bounded: the least
/// recently used entry goes when the cache is full. Keyed by hash algorithm and ver.
/// </summary>
public sealed class CapsCache(int capacity)
{
    private readonly Dictionary<string, LinkedListNode<(string Key, IReadOnlySet<string> Features)>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, IReadOnlySet<string> Features)> _order = new();

    public int Count => _entries.Count;

    public static string Key(string hash, string ver) => hash + " " + ver;

    public IReadOnlySet<string>? Get(string hash, string ver)
    {
        if (!_entries.TryGetValue(Key(hash, ver), out var node)) return null;
        _order.Remove(node);
        _order.AddFirst(node);
        return node.Value.Features;
    }

    /// <summary>Adds or refreshes an entry; true when an older entry was evicted to make room.</summary>
    public bool Put(string hash, string ver, IReadOnlySet<string> features)
    {
        if (capacity <= 0) return false;
        var key = Key(hash, ver);
        if (_entries.Remove(key, out var existing)) _order.Remove(existing);
        var evicted = false;
        if (_entries.Count >= capacity && _order.Last is { } last)
        {
            _order.RemoveLast();
            _entries.Remove(last.Value.Key);
            evicted = true;
        }
        _entries[key] = _order.AddFirst((key, features));
        return evicted;
    }
}
