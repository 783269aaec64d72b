using Microsoft.Extensions.Logging;
using Xmpp.Protos;
using Xmpp.Sm.Telemetry;

namespace Xmpp.Sm.Core;

/// <summary>
/// The DELIVER hops this shard sent and their owners have not confirmed yet, by the shard they went
/// to (as this shard's view of the set picked it), and the confirmations this shard owes the others
/// for the hops it took. A shard that goes down leaves its unconfirmed hops to be sent again to the
/// new owners, so a shard's death loses no message another shard had taken (protos/router.proto,
/// ShardHop ACK). Bounded by Sm:MaxUnconfirmedShardHops: past it the oldest are no longer kept
/// (logged and counted). Used from sm's single consumer only.
/// </summary>
public sealed class ShardHopLedger(int maxUnconfirmed, ILogger logger)
{
    /// <summary>Confirm at once when this many hops from one shard wait for their ACK, else at the next tick.</summary>
    private const int AckEvery = 256;

    private readonly Dictionary<string, Queue<(ulong Seq, Packet Packet)>> _unconfirmed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (ulong Seq, int Count)> _owed = new(StringComparer.Ordinal);
    private readonly Xmpp.Common.Link.RateLimitedCount _forgotten = new();
    private ulong _nextSeq;
    private int _count;

    /// <summary>Numbers a DELIVER hop and keeps it until <paramref name="shard"/> confirms it.</summary>
    public void Sent(string shard, Packet packet)
    {
        packet.Hop.Seq = ++_nextSeq;
        if (!_unconfirmed.TryGetValue(shard, out var queue)) _unconfirmed[shard] = queue = new();
        queue.Enqueue((packet.Hop.Seq, packet));
        if (++_count <= maxUnconfirmed) return;
        // Over the bound: the oldest of the longest queue is no longer kept (a shard that does not confirm).
        var longest = _unconfirmed.Values.MaxBy(q => q.Count)!;
        longest.Dequeue();
        _count--;
        SmTelemetry.ShardHop("DELIVER", "untracked");
        if (_forgotten.ShouldReport(out var forgotten))
            logger.LogWarning("{Count} shard hops were no longer kept for a resend: more than Sm:MaxUnconfirmedShardHops ({Max}) unconfirmed", forgotten, maxUnconfirmed);
    }

    /// <summary><paramref name="shard"/> confirmed every hop of ours up to <paramref name="seq"/>.</summary>
    public void Confirmed(string shard, ulong seq)
    {
        if (!_unconfirmed.TryGetValue(shard, out var queue)) return;
        while (queue.TryPeek(out var head) && head.Seq <= seq)
        {
            queue.Dequeue();
            _count--;
        }
    }

    /// <summary>The hops <paramref name="shard"/> (gone) never confirmed, oldest first; no longer kept here.</summary>
    public IReadOnlyList<Packet> TakeUnconfirmed(string shard)
    {
        if (!_unconfirmed.Remove(shard, out var queue)) return [];
        _count -= queue.Count;
        return queue.Select(e => e.Packet).ToArray();
    }

    /// <summary>A hop from <paramref name="from"/> was handled: true when its ACK should go now rather than at the next tick.</summary>
    public bool Took(string from, ulong seq)
    {
        var owed = _owed.GetValueOrDefault(from);
        _owed[from] = (Math.Max(owed.Seq, seq), owed.Count + 1);
        return owed.Count + 1 >= AckEvery;
    }

    /// <summary>The ACKs owed (shard address, highest seq), forgotten here.</summary>
    public IReadOnlyList<(string Shard, ulong Seq)> TakeOwed(string? only = null)
    {
        var owed = _owed.Where(o => only is null || o.Key == only).Select(o => (o.Key, o.Value.Seq)).ToArray();
        foreach (var (shard, _) in owed) _owed.Remove(shard);
        return owed;
    }
}
