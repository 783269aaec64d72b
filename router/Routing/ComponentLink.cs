using System.Threading.Channels;
using Grpc.Core;
using Xmpp.Common.Link;
using Xmpp.Protos;
using Xmpp.Router.Telemetry;

namespace Xmpp.Router.Routing;

/// <summary>A frame waiting to go out to a component, with the time it was read off its sender's link (0 for the router's own frames).</summary>
public readonly record struct QueuedFrame(Frame Frame, long ReadTimestamp);

/// <summary>
/// One connected component: the addresses it bound and the frames going out to it, written by a
/// <see cref="BatchWriter{T}"/> (no writer task: whoever queues a frame while no write is in
/// progress writes the batch, so at low load a frame is forwarded on the thread that read it).
/// The queue is bounded: when it is full, senders wait (back-pressure onto the links they read from).
/// </summary>
public sealed class ComponentLink
{
    private readonly Channel<QueuedFrame> _outbox;
    private readonly List<long> _readTimestamps = [];
    private readonly BatchWriter<QueuedFrame> _writer;

    public ComponentLink(string peer, int queueCapacity, int maxBatchBytes)
    {
        Peer = peer;
        _outbox = Channel.CreateBounded<QueuedFrame>(new BoundedChannelOptions(queueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _writer = new BatchWriter<QueuedFrame>(_outbox.Reader,
            queued =>
            {
                _readTimestamps.Add(queued.ReadTimestamp);
                return queued.Frame;
            },
            maxBatchBytes,
            // The component went away (or its stream broke): senders now get "gone"; its reading side ends the link.
            _ => Close(),
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

    public bool Owns(string address)
    {
        foreach (var a in Addresses)
            if (a == address) return true;
        return false;
    }

    /// <summary>Starts writing to the component's response stream, the frames already queued first.</summary>
    public void Attach(IAsyncStreamWriter<FrameBatch> stream, CancellationToken ct) => _writer.Attach(stream, ct);

    /// <summary>
    /// Queues a frame; waits while the queue is full. False once the link is closed. With
    /// <paramref name="writeNow"/> false the frame waits for the next <see cref="WriteQueued"/>
    /// (or a write already in progress), so the frames of one incoming batch leave together.
    /// </summary>
    public async ValueTask<bool> EnqueueAsync(Frame frame, CancellationToken ct, long readTimestamp = 0, bool writeNow = true)
    {
        try
        {
            var queued = new QueuedFrame(frame, readTimestamp);
            if (!_outbox.Writer.TryWrite(queued))
            {
                _writer.WriteIfIdle(); // a full queue drains only if something writes it
                await _outbox.Writer.WriteAsync(queued, ct);
            }
        }
        catch (ChannelClosedException)
        {
            return false;
        }
        if (writeNow) _writer.WriteIfIdle();
        return true;
    }

    /// <summary>Writes the frames queued with writeNow false, unless a write in progress will.</summary>
    public void WriteQueued() => _writer.WriteIfIdle();

    /// <summary>Queues a control frame without waiting (bind results, component events).</summary>
    public bool TryEnqueue(Frame frame)
    {
        if (!_outbox.Writer.TryWrite(new QueuedFrame(frame, 0))) return false;
        _writer.WriteIfIdle();
        return true;
    }

    public void Close() => _outbox.Writer.TryComplete();

    public override string ToString() => Addresses.Count > 0 ? string.Join(",", Addresses) : Peer;
}
