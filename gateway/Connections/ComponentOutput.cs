using System.Threading.Channels;

namespace Xmpp.Gateway.Connections;

/// <summary>
/// What waits to be written to one component's socket, bounded in bytes
/// (Gateway:MaxOutboundBytes): one writer drains it in order; a write that would pass the bound is
/// refused (the caller closes the stream with &lt;policy-violation/&gt;), never buffered.
/// </summary>
public sealed class ComponentOutput(Stream stream, long maxBytes)
{
    private readonly Channel<byte[]> _queue = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private long _bytes;

    /// <summary>False when <paramref name="data"/> would pass the bound (nothing is queued then) or the output is closed.</summary>
    public bool TryWrite(byte[] data)
    {
        if (Interlocked.Add(ref _bytes, data.Length) > maxBytes)
        {
            Interlocked.Add(ref _bytes, -data.Length);
            return false;
        }
        return _queue.Writer.TryWrite(data);
    }

    /// <summary>Writes queued data until <see cref="Complete"/>; what is queued before that is written first.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        await foreach (var data in _queue.Reader.ReadAllAsync(ct))
        {
            await stream.WriteAsync(data, ct); // a NetworkStream: unbuffered, nothing to flush
            Interlocked.Add(ref _bytes, -data.Length);
        }
    }

    /// <summary>No more writes; <see cref="RunAsync"/> ends after what is queued.</summary>
    public void Complete() => _queue.Writer.TryComplete();
}
