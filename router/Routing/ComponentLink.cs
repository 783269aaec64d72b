using System.Threading.Channels;
using Xmpp.Protos;

namespace Xmpp.Router.Routing;

/// <summary>A frame waiting to go out to a component, with the time it was read off its sender's link (0 for the router's own frames).</summary>
public readonly record struct QueuedFrame(Frame Frame, long ReadTimestamp);

/// <summary>One connected component: the addresses it bound and the queue of frames going out to it.</summary>
public sealed class ComponentLink(string peer, int queueCapacity)
{
    private readonly Channel<QueuedFrame> _outbox = Channel.CreateBounded<QueuedFrame>(new BoundedChannelOptions(queueCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    /// <summary>The remote endpoint, for logs.</summary>
    public string Peer { get; } = peer;

    public IReadOnlyList<string> Addresses { get; set; } = [];

    public ChannelReader<QueuedFrame> Outgoing => _outbox.Reader;

    public bool Owns(string address)
    {
        foreach (var a in Addresses)
            if (a == address) return true;
        return false;
    }

    /// <summary>Queues a frame; waits while the queue is full. False once the link is closed.</summary>
    public async ValueTask<bool> EnqueueAsync(Frame frame, CancellationToken ct, long readTimestamp = 0)
    {
        try
        {
            await _outbox.Writer.WriteAsync(new QueuedFrame(frame, readTimestamp), ct);
            return true;
        }
        catch (ChannelClosedException)
        {
            return false;
        }
    }

    /// <summary>Queues a control frame without waiting (bind results, component events).</summary>
    public bool TryEnqueue(Frame frame) => _outbox.Writer.TryWrite(new QueuedFrame(frame, 0));

    public void Close() => _outbox.Writer.TryComplete();

    public override string ToString() => Addresses.Count > 0 ? string.Join(",", Addresses) : Peer;
}
