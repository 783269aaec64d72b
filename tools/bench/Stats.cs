using System.Numerics;

namespace Xmpp.Bench;

/// <summary>
/// A lock-free log-linear histogram of microsecond values (HdrHistogram's layout with 64
/// sub-buckets per power of two: under 1.6 % error), recorded from many threads at once.
/// </summary>
internal sealed class Histogram
{
    private const int Linear = 128;
    private readonly long[] _counts = new long[Linear + 64 * 64];
    private long _max;
    private long _count;

    public long Count => Interlocked.Read(ref _count);
    public long Max => Interlocked.Read(ref _max);

    private static int Index(long v)
    {
        if (v < Linear) return (int)Math.Max(v, 0);
        var e = 63 - BitOperations.LeadingZeroCount((ulong)v) - 6; // v >> e is in [64, 128)
        return Linear + (e - 1) * 64 + (int)((v >> e) - 64);
    }

    private static long ValueAt(int index)
    {
        if (index < Linear) return index;
        var e = (index - Linear) / 64 + 1;
        long m = (index - Linear) % 64 + 64;
        return (m << e) + (1L << e) / 2;
    }

    public void Record(long micros)
    {
        Interlocked.Increment(ref _counts[Index(micros)]);
        Interlocked.Increment(ref _count);
        var max = Interlocked.Read(ref _max);
        while (micros > max)
        {
            var seen = Interlocked.CompareExchange(ref _max, micros, max);
            if (seen == max) break;
            max = seen;
        }
    }

    public void Add(Histogram other)
    {
        for (var i = 0; i < _counts.Length; i++) _counts[i] += other._counts[i];
        _count += other._count;
        _max = Math.Max(_max, other._max);
    }

    /// <summary>The value at quantile q (0..1) in microseconds; 0 when empty.</summary>
    public long Quantile(double q)
    {
        var total = Count;
        if (total == 0) return 0;
        var rank = (long)Math.Ceiling(q * total);
        if (rank < 1) rank = 1;
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Interlocked.Read(ref _counts[i]);
            if (seen >= rank) return Math.Min(ValueAt(i), Max);
        }
        return Max;
    }
}

/// <summary>
/// The sequence numbers one sender's messages arrived with, as a bit set grown in chunks, so a
/// receiver can tell a first delivery from a duplicate without a lock.
/// </summary>
internal sealed class SeqSet
{
    private const int ChunkBits = 19; // 512 Ki sequence numbers per chunk (64 KiB)
    private readonly long[]?[] _chunks = new long[]?[256];

    /// <summary>Marks seq as received; false if it already was (a duplicate).</summary>
    public bool Mark(long seq)
    {
        var c = (int)(seq >> ChunkBits);
        if ((uint)c >= (uint)_chunks.Length) return true; // beyond 134 M messages per sender: not tracked
        var chunk = Volatile.Read(ref _chunks[c]);
        if (chunk is null)
        {
            var fresh = new long[(1 << ChunkBits) / 64];
            chunk = Interlocked.CompareExchange(ref _chunks[c], fresh, null) ?? fresh;
        }
        var bit = seq & ((1 << ChunkBits) - 1);
        var mask = 1L << (int)(bit & 63);
        var before = Interlocked.Or(ref chunk[bit >> 6], mask);
        return (before & mask) == 0;
    }
}
