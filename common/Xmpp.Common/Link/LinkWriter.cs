using System.Collections.Concurrent;
using Grpc.Core;
using Xmpp.Protos;

namespace Xmpp.Common.Link;

/// <summary>
/// Writes frames to one Router.Link call without a pump task: the sender that finds no write in
/// progress becomes the writer and sends every frame queued by then as one batch, then looks
/// again. At low load a frame goes out on the sender's own thread (no hand-off to another
/// thread); under load, frames queued during a write leave together in the next batch.
/// Frames leave in the order they were queued; at most one write is in progress.
/// </summary>
internal sealed class LinkWriter(IAsyncStreamWriter<FrameBatch> stream, int capacity, int maxBatchBytes, Action<Exception> onFailed, CancellationToken ct)
{
    private readonly ConcurrentQueue<Frame> _queue = new();
    private readonly FrameBatch _batch = new();
    private int _count;
    private int _writing;
    private volatile bool _closed;

    /// <summary>Queues a frame and writes it unless a write is already in progress. False once closed or when the queue is full.</summary>
    public bool TryEnqueue(Frame frame)
    {
        if (_closed) return false;
        if (Interlocked.Increment(ref _count) > capacity)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }
        _queue.Enqueue(frame);
        if (Interlocked.CompareExchange(ref _writing, 1, 0) == 0) _ = WriteQueuedAsync();
        return true;
    }

    /// <summary>Stops accepting frames; frames still queued are dropped with the call.</summary>
    public void Close() => _closed = true;

    private async Task WriteQueuedAsync()
    {
        try
        {
            while (!_closed)
            {
                if (!Fill())
                {
                    Volatile.Write(ref _writing, 0);
                    // A sender may have queued after the queue looked empty and seen a write in progress.
                    if (_queue.IsEmpty || Interlocked.CompareExchange(ref _writing, 1, 0) != 0) return;
                    continue;
                }
                await stream.WriteAsync(_batch, ct);
                _batch.Frames.Clear();
            }
        }
        catch (Exception e)
        {
            _closed = true;
            if (!ct.IsCancellationRequested) onFailed(e); // else the link is being torn down anyway
        }
    }

    private bool Fill()
    {
        var bytes = 0;
        while (bytes < maxBatchBytes && _queue.TryDequeue(out var frame))
        {
            Interlocked.Decrement(ref _count);
            _batch.Frames.Add(frame);
            bytes += FrameBatching.EstimatedSize(frame);
        }
        return _batch.Frames.Count > 0;
    }
}
