using System.Text;
using Xmpp.C2s.Protocol;
using Xmpp.Common.Xml;

namespace Xmpp.C2s.Connections;

/// <summary>
/// Output: everything for the client goes through one queue, written in order by one pump at a
/// time; the pump also performs the transport switches (.Tls). An idle connection holds neither: the queue is
/// made when something is sent and dropped once written, and the pump runs on the thread pool
/// only while there is something to write.
/// </summary>
public sealed partial class ClientConnection : IThreadPoolWorkItem
{
    private readonly Lock _outLock = new();
    private Queue<Outbound>? _outQueue;       // guarded by _outLock; null while nothing waits
    private bool _pumpRunning;                // guarded by _outLock
    private bool _outputDone;                 // guarded by _outLock: finished (or failed), nothing more is accepted
    private TaskCompletionSource? _pumpStopped; // guarded by _outLock: made only for the wait at the end
    /// <summary>Bytes the pump buffers before one write; more are written in several.</summary>
    private const int MaxWriteBytes = 64 * 1024;

    private readonly PooledBuffer _output = new(4096); // pump only: what it has taken from the queue and not written yet
    private int _queued;
    private int _closing;
    private bool _headerSent;
    private string _streamId = "";

    /// <summary>Text or bytes for the client, or the switch to TLS the pump performs between writes (STARTTLS).</summary>
    private readonly record struct Outbound(string? Text, ReadOnlyMemory<byte> Bytes, TaskCompletionSource<bool>? TlsSwitch);

    /// <summary>Queues text for the client (stream-level writes and c2s's own answers).</summary>
    private void Send(string text)
    {
        Interlocked.Increment(ref _queued);
        Enqueue(new Outbound(text, default, null));
    }

    /// <summary>Queues a stanza that sm sent for this client. A client that does not read is cut off.</summary>
    public void DeliverFromSm(ReadOnlyMemory<byte> stanza)
    {
        if (Interlocked.Increment(ref _queued) > _options.MaxOutboundQueue)
        {
            CloseWithStreamError(StreamErrors.PolicyViolation, "too many stanzas waiting for this client");
            return;
        }
        Enqueue(new Outbound(null, stanza, null));
    }

    private bool Enqueue(Outbound item)
    {
        lock (_outLock)
        {
            if (_outputDone) return false;
            (_outQueue ??= new Queue<Outbound>()).Enqueue(item);
            if (_pumpRunning) return true;
            _pumpRunning = true;
        }
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        return true;
    }

    void IThreadPoolWorkItem.Execute() => _ = PumpOutputAsync();

    private bool TryDequeue(out Outbound item)
    {
        lock (_outLock)
        {
            if (_outQueue is { Count: > 0 } queue)
            {
                item = queue.Dequeue();
                return true;
            }
        }
        item = default;
        return false;
    }

    /// <summary>Writes what is queued, in as few writes as it can, and stops when the queue is empty (a later Enqueue starts it again).</summary>
    private async Task PumpOutputAsync()
    {
        var failed = false;
        try
        {
            while (true)
            {
                while (TryDequeue(out var item))
                {
                    Interlocked.Decrement(ref _queued);
                    if (item.TlsSwitch is { } done)
                    {
                        await WriteBufferedAsync();
                        done.TrySetResult(await HandshakeAsync());
                        continue;
                    }
                    if (item.Text is { } text) BufferOutput(text);
                    else BufferOutput(item.Bytes.Span);
                    if (_output.Length >= MaxWriteBytes) await WriteBufferedAsync();
                }
                if (!_output.IsEmpty)
                {
                    await WriteBufferedAsync();
                    continue;
                }
                bool finished;
                lock (_outLock)
                {
                    if (_outQueue is { Count: > 0 }) continue; // queued while we were writing
                    finished = StopPumpLocked();
                }
                if (finished) _closeCts.Cancel(); // outside the lock: cancellation runs callbacks inline
                return;
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
        {
            _logger.LogDebug("Connection {Id}: write failed: {Error}", Id, e.Message);
            failed = true;
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Connection {Id}: output failed", Id);
            failed = true;
        }
        if (!failed) return;
        lock (_outLock)
        {
            _outputDone = true;
            StopPumpLocked();
        }
        _closeCts.Cancel();
    }

    private void BufferOutput(string text) =>
        _output.Advance(Encoding.UTF8.GetBytes(text, _output.GetSpace(Encoding.UTF8.GetMaxByteCount(text.Length)).Span));

    private void BufferOutput(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_output.GetSpace(bytes.Length).Span);
        _output.Advance(bytes.Length);
    }

    /// <summary>Writes what the pump has buffered (TLS encrypts it into records) and returns the buffer to the pool.</summary>
    private async ValueTask WriteBufferedAsync()
    {
        if (_output.IsEmpty) return;
        try
        {
            await Transport.WriteAsync(_output.Data.First);
        }
        finally
        {
            _output.Release();
        }
    }

    /// <summary>Marks the pump stopped and drops the empty queue; true when output is finished for good.</summary>
    private bool StopPumpLocked()
    {
        _pumpRunning = false;
        _outQueue = null;
        _pumpStopped?.TrySetResult();
        return _outputDone;
    }

    /// <summary>Completes when nothing is left to write (at most <paramref name="limit"/> later).</summary>
    private Task OutputDrainedAsync(TimeSpan limit)
    {
        lock (_outLock)
        {
            if (!_pumpRunning) return Task.CompletedTask;
            _pumpStopped ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return Task.WhenAny(_pumpStopped.Task, Task.Delay(limit));
        }
    }

    /// <summary>Sends the stream error (after a header if none was sent on this stream) and closes.</summary>
    public void CloseWithStreamError(string condition, string? text = null)
    {
        if (Interlocked.Exchange(ref _closing, 1) == 1) return;
        var header = _headerSent ? "" : StreamPreamble.Header(_options.Domain, NewStreamId());
        Send(header + StreamErrors.Render(condition, text) + StreamPreamble.Close);
        _stage = StreamStage.Closed;
        FinishOutput();
        _closeCts.Cancel();
    }

    /// <summary>The client closed its stream: end the session and close ours.</summary>
    private void CloseGracefully()
    {
        if (Interlocked.Exchange(ref _closing, 1) == 1) return;
        EndSmSession();
        Send(StreamPreamble.Close);
        _stage = StreamStage.Closed;
        FinishOutput();
        _closeCts.Cancel();
    }

    /// <summary>Accepts nothing more; what is queued is still written.</summary>
    private void FinishOutput()
    {
        lock (_outLock) _outputDone = true;
    }

    private string NewStreamId() => _streamId = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();
}
