using System.Threading.Channels;
using Xmpp.Protos;

namespace Xmpp.Common.Link;

/// <summary>
/// Fills one <see cref="FrameBatch"/> per link write with every frame waiting in a queue, so under
/// load one gRPC message and one flush carry many frames, and a lone frame leaves at once.
/// </summary>
public static class FrameBatching
{
    /// <summary>Default bound on one batch: frames are added while the batch is below it (so a batch exceeds it by at most one frame).</summary>
    public const int DefaultMaxBatchBytes = 256 * 1024;

    /// <summary>
    /// Moves queued items into <paramref name="batch"/> (which the caller has cleared) until the
    /// queue is empty or the batch holds about <paramref name="maxBytes"/>; returns how many it took.
    /// </summary>
    public static int Fill<T>(ChannelReader<T> reader, FrameBatch batch, Func<T, Frame> frameOf, int maxBytes)
    {
        var bytes = 0;
        var count = 0;
        while (bytes < maxBytes && reader.TryRead(out var item))
        {
            var frame = frameOf(item);
            batch.Frames.Add(frame);
            bytes += EstimatedSize(frame);
            count++;
        }
        return count;
    }

    /// <summary>
    /// A cheap upper-ish estimate of a frame's size: the stanza dominates every packet; session
    /// actions and events are small. What queues bounded in bytes count a frame for.
    /// </summary>
    public static int EstimatedSize(Frame frame) =>
        128 + (frame.BodyCase == Frame.BodyOneofCase.Packet ? frame.Packet.Stanza.Length : 0);
}
