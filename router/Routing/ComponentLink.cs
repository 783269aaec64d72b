using System.Threading.Channels;
using Grpc.Core;
using Xmpp.Common.Link;
using Xmpp.Protos;
using Xmpp.Router.Telemetry;

namespace Xmpp.Router.Routing;

/// <summary>A frame waiting to go out to a component, with the time it was read off its sender's link (0 for the router's own frames) and the bytes it counts for.</summary>
public readonly record struct QueuedFrame(Frame Frame, long ReadTimestamp, int Bytes);

/// <summary>What became of a frame offered to a component's queue.</summary>
public enum EnqueueResult
{
    Queued,
    /// <summary>The queue holds Router:MaxQueueBytesPerComponent already: the component reads too slowly.</summary>
    Full,
    /// <summary>The link is closed.</summary>
    Closed,
}

/// <summary>
/// One connected component: the addresses it bound and the frames going out to it, written by a
/// <see cref="BatchWriter{T}"/> (no writer task: whoever queues a frame while no write is in
/// progress writes the batch, so at low load a frame is forwarded on the thread that read it).
/// The queue is bounded in bytes (each frame counts as its stanza plus a fixed overhead, see
/// <see cref="FrameBatching.EstimatedSize"/>) and never makes a sender wait: a frame that does
/// not fit is refused (<see cref="EnqueueResult.Full"/>) and the router returns it to its sender,
/// so a component that stops reading slows nobody else.
/// </summary>
public sealed class ComponentLink
{
    private readonly Channel<QueuedFrame> _outbox;
    private readonly List<long> _readTimestamps = [];
    private readonly BatchWriter<QueuedFrame> _writer;
    private readonly long _maxQueueBytes;
    private long _queuedBytes;
    private readonly RateLimitedCount _refusals = new();

    /// <summary>When the link was opened (Router.Components shows it).</summary>
    public DateTimeOffset Since { get; } = DateTimeOffset.UtcNow;

    public ComponentLink(string peer, long maxQueueBytes, int maxBatchBytes)
    {
        Peer = peer;
        _maxQueueBytes = maxQueueBytes;
        _outbox = Channel.CreateUnbounded<QueuedFrame>(new UnboundedChannelOptions { SingleReader = true });
        _writer = new BatchWriter<QueuedFrame>(_outbox.Reader,
            queued =>
            {
                Interlocked.Add(ref _queuedBytes, -queued.Bytes);
                _readTimestamps.Add(queued.ReadTimestamp);
                return queued.Frame;
            },
            maxBatchBytes,
            // The component went away (or its stream broke): senders now get "gone"; its reading side ends the link.
            // The writer stopped for good, so this is the queue's only reader now: what waits goes back.
            _ =>
            {
                _outbox.Writer.TryComplete();
                ReturnOrphans();
            },
            batch =>
            {
                for (var i = 0; i < batch.Frames.Count; i++)
                    RouterTelemetry.Delivered(batch.Frames[i], _readTimestamps[i]);
                _readTimestamps.Clear();
            });
    }

    /// <summary>The remote endpoint, for logs.</summary>
    public string Peer { get; }

    public IReadOnlyList<string> Addresses { get; set; } = [];

    /// <summary>Nothing is queued for the component and no write is in progress.</summary>
    public bool IsIdle => QueuedBytes == 0 && !_writer.IsWriting;

    /// <summary>Bytes queued for the component and not yet taken into a batch.</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    public bool Owns(string address)
    {
        foreach (var a in Addresses)
            if (a == address) return true;
        return false;
    }

    /// <summary>Starts writing to the component's response stream, the frames already queued first.</summary>
    public void Attach(IAsyncStreamWriter<FrameBatch> stream, CancellationToken ct) => _writer.Attach(stream, ct);

    /// <summary>
    /// Queues a frame if it fits the byte bound (a frame larger than the whole bound still goes
    /// when nothing else waits; session actions have a quarter more room); never waits. With <paramref name="writeNow"/> false the frame
    /// waits for the next <see cref="WriteQueued"/> (or a write already in progress), so the
    /// frames of one incoming batch leave together.
    /// </summary>
    public EnqueueResult Enqueue(Frame frame, long readTimestamp = 0, bool writeNow = true)
    {
        var bytes = FrameBatching.EstimatedSize(frame);
        var total = Interlocked.Add(ref _queuedBytes, bytes);
        // Session actions (small: start, end, their answers) get a quarter more room than stanzas,
        // so sessions still start and end while a flood of stanzas is being refused.
        var limit = frame.BodyCase == Frame.BodyOneofCase.Packet ? _maxQueueBytes : _maxQueueBytes + _maxQueueBytes / 4;
        if (total > limit && total != bytes)
        {
            Interlocked.Add(ref _queuedBytes, -bytes);
            if (_outbox.Reader.Completion.IsCompleted) return EnqueueResult.Closed;
            _writer.WriteIfIdle(); // a full queue drains only if something writes it
            return EnqueueResult.Full;
        }
        if (!_outbox.Writer.TryWrite(new QueuedFrame(frame, readTimestamp, bytes)))
        {
            Interlocked.Add(ref _queuedBytes, -bytes);
            return EnqueueResult.Closed;
        }
        if (writeNow) _writer.WriteIfIdle();
        return EnqueueResult.Queued;
    }

    /// <summary>Writes the frames queued with writeNow false, unless a write in progress will.</summary>
    public void WriteQueued() => _writer.WriteIfIdle();

    /// <summary>Queues a control frame (bind results, component events): small and rare, so outside the byte bound.</summary>
    public bool TryEnqueue(Frame frame)
    {
        var bytes = FrameBatching.EstimatedSize(frame);
        Interlocked.Add(ref _queuedBytes, bytes);
        if (!_outbox.Writer.TryWrite(new QueuedFrame(frame, 0, bytes)))
        {
            Interlocked.Add(ref _queuedBytes, -bytes);
            return false;
        }
        _writer.WriteIfIdle();
        return true;
    }

    /// <summary>
    /// Counts a frame refused because this link's queue was full; true (with the count since the
    /// last time) at most once a second, when the caller should log it.
    /// </summary>
    public bool ShouldLogRefusal(out long refused) => _refusals.ShouldReport(out refused);

    /// <summary>Told of each frame still queued when the link closed (the router returns it to its sender, ROUTE_GONE).</summary>
    public Action<Frame>? Orphaned { get; set; }

    /// <summary>Closes the queue; frames still in it go to <see cref="Orphaned"/> (unless a write in progress holds the queue: its failure returns them).</summary>
    public void Close()
    {
        _outbox.Writer.TryComplete();
        if (_writer.TryStop()) ReturnOrphans();
    }

    private void ReturnOrphans()
    {
        while (_outbox.Reader.TryRead(out var queued))
        {
            Interlocked.Add(ref _queuedBytes, -queued.Bytes);
            if (queued.ReadTimestamp != 0) Orphaned?.Invoke(queued.Frame); // the router's own frames (events) need no answer
        }
    }

    public override string ToString() => Addresses.Count > 0 ? string.Join(",", Addresses) : Peer;
}
