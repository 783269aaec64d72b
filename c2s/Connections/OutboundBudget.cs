namespace Xmpp.C2s.Connections;

/// <summary>
/// What waits for one client, counted in bytes and in items (stanzas and c2s's own answers), from
/// the moment it is queued until it is written to the socket. Pure arithmetic, safe to call from
/// several threads (sm's deliveries and the output pump); a field of the connection, so an idle
/// client pays 12 bytes for it.
/// </summary>
public struct OutboundBudget
{
    private long _bytes;
    private int _items;

    public readonly long Bytes => Volatile.Read(in _bytes);
    public readonly int Items => Volatile.Read(in _items);

    /// <summary>Counts <paramref name="bytes"/> more if both bounds still hold afterwards; otherwise counts nothing and says false.</summary>
    public bool TryAdd(int bytes, long maxBytes, int maxItems)
    {
        var items = Interlocked.Increment(ref _items);
        var total = Interlocked.Add(ref _bytes, bytes);
        if (items <= maxItems && total <= maxBytes) return true;
        Remove(bytes);
        return false;
    }

    /// <summary>Counts what must go out whatever the bound (c2s's own answers and stream errors).</summary>
    public void Add(int bytes)
    {
        Interlocked.Increment(ref _items);
        Interlocked.Add(ref _bytes, bytes);
    }

    /// <summary>Items were written (or taken back): they no longer count.</summary>
    public void Remove(int bytes, int items = 1)
    {
        Interlocked.Add(ref _items, -items);
        Interlocked.Add(ref _bytes, -bytes);
    }
}
