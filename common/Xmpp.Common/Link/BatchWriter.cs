using System.Threading.Channels;
using Grpc.Core;
using Xmpp.Protos;

namespace Xmpp.Common.Link;

/// <summary>
/// Writes a queue of frames to one Router.Link stream without a writer task, on both ends of a
/// link (a component's <see cref="RouterLink"/>, the router's link to each component): whoever
/// queues a frame calls <see cref="WriteIfIdle"/>, and if no write is in progress it becomes the
/// writer, sends every frame queued by then as one batch, and looks again. At low load a frame
/// goes out on the thread that queued it (no hand-off); under load, frames queued during a write
/// leave together in the next batch. Frames leave in queue order; at most one write is in
/// progress. After a failed write nothing more is written to that stream.
/// </summary>
public sealed class BatchWriter<T>
{
    private readonly ChannelReader<T> _queue;
    private readonly Func<T, Frame> _frameOf;
    private readonly int _maxBatchBytes;
    private readonly Action<Exception> _failed;
    private readonly Action<FrameBatch>? _written;
    private readonly FrameBatch _batch = new();
    private IAsyncStreamWriter<FrameBatch>? _stream;
    private CancellationToken _ct;
    private int _writing;
    private int _stopRequested;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Told, before <c>failed</c>, the frames of the batch whose write failed (they may not have reached the other end).</summary>
    public Action<IReadOnlyList<Frame>>? Unwritten { get; set; }

    /// <param name="queue">Where the frames wait (the caller writes to it, then calls <see cref="WriteIfIdle"/>).</param>
    /// <param name="frameOf">The frame of a queued item.</param>
    /// <param name="maxBatchBytes">About how much one batch carries (see <see cref="FrameBatching.Fill{T}"/>).</param>
    /// <param name="failed">Told once when a write fails.</param>
    /// <param name="written">Told after each batch is written, before it is cleared.</param>
    public BatchWriter(ChannelReader<T> queue, Func<T, Frame> frameOf, int maxBatchBytes, Action<Exception> failed, Action<FrameBatch>? written = null)
    {
        _queue = queue;
        _frameOf = frameOf;
        _maxBatchBytes = maxBatchBytes;
        _failed = failed;
        _written = written;
    }

    /// <summary>A write is in progress (or the writer stopped for good).</summary>
    public bool IsWriting => Volatile.Read(ref _writing) == 1;

    /// <summary>Starts writing to <paramref name="stream"/>, the frames already queued first.</summary>
    public void Attach(IAsyncStreamWriter<FrameBatch> stream, CancellationToken ct)
    {
        _ct = ct;
        Volatile.Write(ref _stream, stream);
        WriteIfIdle();
    }

    /// <summary>Writes what is queued unless a write is already in progress (which will find it) or no stream is attached yet.</summary>
    public void WriteIfIdle()
    {
        if (Volatile.Read(ref _stream) is not null && Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
            _ = WriteQueuedAsync();
    }

    /// <summary>
    /// Stops writing for good if no write is in progress (true: the caller is now the queue's only
    /// reader and may drain it); false when a write is in progress (it ends with the stream).
    /// </summary>
    public bool TryStop() => Interlocked.CompareExchange(ref _writing, 1, 0) == 0;

    /// <summary>
    /// Stops writing for good after the write in progress, if any: completes when nothing is being
    /// written and nothing will be. Frames not yet taken stay in the queue (for the next link).
    /// </summary>
    public Task StopAsync()
    {
        Volatile.Write(ref _stopRequested, 1);
        if (Interlocked.CompareExchange(ref _writing, 1, 0) == 0) _stopped.TrySetResult();
        return _stopped.Task;
    }

    private async Task WriteQueuedAsync()
    {
        try
        {
            while (true)
            {
                if (Volatile.Read(ref _stopRequested) == 1)
                {
                    _stopped.TrySetResult(); // _writing stays set: no more writes
                    return;
                }
                if (FrameBatching.Fill(_queue, _batch, _frameOf, _maxBatchBytes) == 0)
                {
                    Volatile.Write(ref _writing, 0);
                    if (Volatile.Read(ref _stopRequested) == 1 && Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
                    {
                        _stopped.TrySetResult();
                        return;
                    }
                    // A sender may have queued after the queue looked empty and seen a write in progress.
                    if (!_queue.TryPeek(out _) || Interlocked.CompareExchange(ref _writing, 1, 0) != 0) return;
                    continue;
                }
                await _stream!.WriteAsync(_batch, _ct);
                _written?.Invoke(_batch);
                _batch.Frames.Clear();
            }
        }
        catch (Exception e)
        {
            if (_batch.Frames.Count > 0 && Unwritten is { } unwritten) unwritten(_batch.Frames.ToArray());
            _batch.Frames.Clear();
            _stopped.TrySetResult();
            _failed(e); // _writing stays set: this stream gets no more writes
        }
    }
}
