using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Xmpp.Common.Shards;

/// <summary>
/// Rendezvous (highest random weight) hashing: a key belongs to the shard whose hash of
/// (shard, key) is highest. Every party that knows the same shard set picks the same owner without
/// talking, and a shard that leaves moves only its own keys (each to the shard that came second
/// for it); one that joins takes only the keys it now wins. Pure and allocation-light.
/// </summary>
public static class Rendezvous
{
    /// <summary>The owner of <paramref name="key"/> among <paramref name="shards"/>, or null when there are none.</summary>
    public static string? Owner(string key, IReadOnlyCollection<string> shards)
    {
        string? best = null;
        ulong bestWeight = 0;
        foreach (var shard in shards)
        {
            var weight = Weight(shard, key);
            // Ties (astronomically rare) go to the ordinally smaller name, so the pick never depends on the set's order.
            if (best is null || weight > bestWeight || (weight == bestWeight && string.CompareOrdinal(shard, best) < 0))
            {
                best = shard;
                bestWeight = weight;
            }
        }
        return best;
    }

    /// <summary>The weight of (shard, key): the first 8 bytes of SHA-256 over the UTF-8 of "shard\0key" (stable across processes and versions, well spread).</summary>
    public static ulong Weight(string shard, string key)
    {
        var length = Encoding.UTF8.GetByteCount(shard) + 1 + Encoding.UTF8.GetByteCount(key);
        Span<byte> buffer = length <= 512 ? stackalloc byte[length] : new byte[length];
        var written = Encoding.UTF8.GetBytes(shard, buffer);
        buffer[written++] = 0;
        Encoding.UTF8.GetBytes(key, buffer[written..]);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer, hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash);
    }
}
