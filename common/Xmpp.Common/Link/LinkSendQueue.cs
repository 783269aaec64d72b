using System.Threading.Channels;
using Xmpp.Protos;

namespace Xmpp.Common.Link;

/// <summary>A frame waiting for the router, with when it was queued and the bytes it counts for.</summary>
public readonly record struct PendingFrame(Frame Frame, long QueuedAt, int Bytes);

/// <summary>
/// The frames a component has sent and the router has not taken yet. It outlives the links: while
/// the link is down frames wait here (up to Router:OfflineQueueBytes) and leave, in order, as soon
/// as the next link is bound; a frame that waited longer than Router:OfflineQueueTimeout is taken
/// out (<see cref="TakeExpired"/>) and handed back to its sender as failed. Bounded in bytes
/// (<see cref="FrameBatching.EstimatedSize"/>); a frame alone always fits.
/// One reader at a time: the link's writer while a link is up, <see cref="TakeExpired"/> otherwise.
/// </summary>
public sealed class LinkSendQueue(TimeProvider clock)
{
    private readonly Channel<PendingFrame> _channel = Channel.CreateUnbounded<PendingFrame>(new UnboundedChannelOptions { SingleReader = true });
    private long _bytes;
    private long _count;

    public ChannelReader<PendingFrame> Reader => _channel.Reader;

    public long QueuedBytes => Interlocked.Read(ref _bytes);

    public long Count => Interlocked.Read(ref _count);

    /// <summary>Queues the frame unless that would pass <paramref name="maxBytes"/> (a frame alone always fits).</summary>
    public bool TryQueue(Frame frame, long maxBytes)
    {
        var size = FrameBatching.EstimatedSize(frame);
        var total = Interlocked.Add(ref _bytes, size);
        if ((total <= maxBytes || total == size) && _channel.Writer.TryWrite(new PendingFrame(frame, clock.GetTimestamp(), size)))
        {
            Interlocked.Increment(ref _count);
            return true;
        }
        Interlocked.Add(ref _bytes, -size);
        return false;
    }

    /// <summary>The reader took the frame (into a batch, or out as expired).</summary>
    public Frame Taken(PendingFrame pending)
    {
        Interlocked.Add(ref _bytes, -pending.Bytes);
        Interlocked.Decrement(ref _count);
        return pending.Frame;
    }

    /// <summary>Takes out the frames at the head that waited longer than <paramref name="maxAge"/> (only while no writer reads).</summary>
    public List<Frame> TakeExpired(TimeSpan maxAge)
    {
        var expired = new List<Frame>();
        while (_channel.Reader.TryPeek(out var head) && clock.GetElapsedTime(head.QueuedAt) > maxAge && _channel.Reader.TryRead(out head))
            expired.Add(Taken(head));
        return expired;
    }

    /// <summary>Takes out every frame (only while no writer reads).</summary>
    public List<Frame> TakeAll()
    {
        var all = new List<Frame>();
        while (_channel.Reader.TryRead(out var pending)) all.Add(Taken(pending));
        return all;
    }
}
