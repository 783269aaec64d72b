using System.Threading.Channels;
using Grpc.Core;
using Xmpp.Common.Link;
using Xmpp.Protos;
using Xmpp.Router.Telemetry;

namespace Xmpp.Router.Routing;

/// <summary>A frame waiting to go out to a component, with the time it was read off its sender's link (0 for the router's own frames).</summary>
public readonly record struct QueuedFrame(Frame Frame, long ReadTimestamp);

/// <summary>
/// One connected component: the addresses it bound and the frames going out to it. There is no
/// writer task: whoever queues a frame while no write is in progress writes every frame queued
/// by then as one batch and looks again, so at low load a frame is forwarded on the thread that
/// read it, and under load the frames queued during a write leave together. The queue is
/// bounded: when it is full, senders wait (back-pressure onto the links they read from).
/// </summary>
public sealed class ComponentLink
{
    private readonly Channel<QueuedFrame> _outbox;
    private readonly FrameBatch _batch = new();
    private readonly List<long> _readTimestamps = [];
    private readonly Func<QueuedFrame, Frame> _take;
    private IAsyncStreamWriter<FrameBatch>? _stream;
    private int _maxBatchBytes;
    private CancellationToken _ct;
    private int _writing;

    public ComponentLink(string peer, int queueCapacity)
    {
        Peer = peer;
        _outbox = Channel.CreateBounded<QueuedFrame>(new BoundedChannelOptions(queueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _take = queued =>
        {
            _readTimestamps.Add(queued.ReadTimestamp);
            return queued.Frame;
        };
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
    public void Attach(IAsyncStreamWriter<FrameBatch> stream, int maxBatchBytes, CancellationToken ct)
    {
        _maxBatchBytes = maxBatchBytes;
        _ct = ct;
        Volatile.Write(ref _stream, stream);
        WriteIfIdle();
    }

    /// <summary>Queues a frame; waits while the queue is full. False once the link is closed.</summary>
    public async ValueTask<bool> EnqueueAsync(Frame frame, CancellationToken ct, long readTimestamp = 0)
    {
        try
        {
            var queued = new QueuedFrame(frame, readTimestamp);
            if (!_outbox.Writer.TryWrite(queued)) await _outbox.Writer.WriteAsync(queued, ct);
        }
        catch (ChannelClosedException)
        {
            return false;
        }
        WriteIfIdle();
        return true;
    }

    /// <summary>Queues a control frame without waiting (bind results, component events).</summary>
    public bool TryEnqueue(Frame frame)
    {
        if (!_outbox.Writer.TryWrite(new QueuedFrame(frame, 0))) return false;
        WriteIfIdle();
        return true;
    }

    public void Close() => _outbox.Writer.TryComplete();

    public override string ToString() => Addresses.Count > 0 ? string.Join(",", Addresses) : Peer;

    private void WriteIfIdle()
    {
        if (Volatile.Read(ref _stream) is not null && Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
            _ = WriteQueuedAsync();
    }

    private async Task WriteQueuedAsync()
    {
        var reader = _outbox.Reader;
        try
        {
            while (true)
            {
                if (FrameBatching.Fill(reader, _batch, _take, _maxBatchBytes) == 0)
                {
                    Volatile.Write(ref _writing, 0);
                    // A sender may have queued after the queue looked empty and seen a write in progress.
                    if (!reader.TryPeek(out _) || Interlocked.CompareExchange(ref _writing, 1, 0) != 0) return;
                    continue;
                }
                await _stream!.WriteAsync(_batch, _ct);
                for (var i = 0; i < _batch.Frames.Count; i++)
                    RouterTelemetry.Delivered(_batch.Frames[i], _readTimestamps[i]);
                _batch.Frames.Clear();
                _readTimestamps.Clear();
            }
        }
        catch (Exception)
        {
            // The component went away (or its stream broke): nothing more can be written to it, so
            // senders now get "gone"; its reading side ends the link.
            Close();
        }
    }
}
