using System.Text;
using Xmpp.C2s.Protocol;
using Xmpp.C2s.Telemetry;
using Xmpp.Common.Xml;
using Xmpp.Protos;

namespace Xmpp.C2s.Connections;

/// <summary>
/// Output: everything for the client goes through one queue, written in order by one pump at a
/// time; the pump also performs the transport switches (.Tls). An idle connection holds neither: the queue is
/// made when something is sent and dropped once written, and the pump runs on the thread pool
/// only while there is something to write.
/// What waits for the client is bounded in bytes (C2s:MaxOutboundBytes) and in items
/// (C2s:MaxOutboundQueue), counted from queueing until written. A stanza from sm that would pass
/// the bound closes the stream with &lt;policy-violation/&gt;; it and every stanza from sm not yet
/// written are returned to sm (<see cref="Packet.Undelivered"/>), which stores messages offline.
/// </summary>
public sealed partial class ClientConnection : IThreadPoolWorkItem
{
    private readonly Lock _outLock = new();
    private Queue<Outbound>? _outQueue;       // guarded by _outLock; null while nothing waits
    private bool _pumpRunning;                // guarded by _outLock
    private bool _outputDone;                 // guarded by _outLock: finished (or failed), nothing more is accepted
    private TaskCompletionSource? _pumpStopped; // guarded by _outLock: made only for the wait at the end
    private List<Packet>? _undelivered;       // guarded by _outLock: packets from sm taken back, to return to sm
    /// <summary>Bytes the pump buffers before one write; more are written in several.</summary>
    private const int MaxWriteBytes = 64 * 1024;

    private readonly PooledBuffer _output = new(4096); // pump only: what it has taken from the queue and not written yet
    private List<Packet>? _inFlight;          // guarded by _outLock: the packets from sm in _output (taken back if the write never completes)
    private int _inFlightBytes;               // pump only: the budget of what is in _output
    private int _inFlightItems;               // pump only
    private OutboundBudget _budget;
    private int _closing;
    private bool _headerSent;
    private string _streamId = "";

    /// <summary>Text or bytes for the client, or the switch to TLS the pump performs between writes (STARTTLS).</summary>
    private readonly record struct Outbound(string? Text, ReadOnlyMemory<byte> Bytes, TaskCompletionSource<bool>? TlsSwitch, Packet? FromSm = null)
    {
        /// <summary>What it counts for in the output budget (text: its UTF-16 length, close enough).</summary>
        public int Cost => Text?.Length ?? Bytes.Length;
    }

    /// <summary>Queues text for the client (stream-level writes and c2s's own answers).</summary>
    private void Send(string text)
    {
        var item = new Outbound(text, default, null);
        _budget.Add(item.Cost);
        if (!Enqueue(item))
        {
            _budget.Remove(item.Cost);
            return;
        }
        // A client that sends stanzas c2s answers itself (errors) and reads nothing is cut off too.
        if (_budget.Bytes > _options.MaxOutboundBytes && Volatile.Read(ref _closing) == 0)
        {
            _logger.LogWarning("Connection {Id}: more than {Bytes} bytes of c2s's own answers wait for the client; closing its stream", Id, _options.MaxOutboundBytes);
            C2sTelemetry.OutputOverflow();
            CloseWithStreamError(StreamErrors.PolicyViolation, "too much data waiting for this client");
        }
    }

    /// <summary>Queues a stanza c2s itself sends the client (an error about one of its stanzas).</summary>
    public void SendToClient(System.Xml.Linq.XElement stanza)
    {
        // With stream management the client counts every stanza: one sm never took leaves a gap, so the client resumes and resends it.
        if (SmNumbering()) CloseForResumption(StreamErrors.ResourceConstraint, "the server is busy; resume the stream");
        else Send(Xmpp.Common.Stanzas.StanzaCodec.ToText(stanza));
    }

    /// <summary>
    /// Queues a stanza that sm sent for this client. A client that does not read is cut off once
    /// what waits for it would pass the bound; what sm sent and was not written goes back to sm.
    /// </summary>
    public void DeliverFromSm(Packet packet)
    {
        if (IsInlineAnswer(packet)) return; // sm's answer to an iq c2s sent for the client (Bind 2 inline carbons)
        if (HeldByCsi(packet)) return; // XEP-0352: unimportant presence waits while the client is inactive
        DeliverNow(packet);
    }

    private void DeliverNow(Packet packet)
    {
        if (packet.HasSmSeq && !AcceptNumbered(packet)) return; // XEP-0198: written strictly in sm's order
        var item = new Outbound(null, packet.Stanza.Memory, null, FromSm: packet);
        if (!_budget.TryAdd(item.Cost, _options.MaxOutboundBytes, _options.MaxOutboundQueue))
        {
            OnOutputOverflow(packet);
            return;
        }
        if (!Enqueue(item))
        {
            _budget.Remove(item.Cost);
            ReturnToSm([packet], "the stream is closing");
            return;
        }
        if (packet.HasSmSeq) CountForAckRequest();
    }

    /// <summary>
    /// The client reads too slowly: the stanzas from sm still queued (not the one being written)
    /// and the one that did not fit go back to sm, and the stream is closed with &lt;policy-violation/&gt;,
    /// which the client sees right after what it is being written now.
    /// </summary>
    private void OnOutputOverflow(Packet packet)
    {
        List<Packet> taken = [packet];
        lock (_outLock)
        {
            if (_outQueue is { Count: > 0 } queue && !_outputDone)
            {
                var kept = new Queue<Outbound>();
                while (queue.TryDequeue(out var item))
                {
                    if (item.FromSm is { } queued)
                    {
                        taken.Add(queued);
                        _budget.Remove(item.Cost);
                    }
                    else
                    {
                        kept.Enqueue(item);
                    }
                }
                _outQueue = kept;
            }
        }
        if (Interlocked.CompareExchange(ref _closing, 0, 0) == 0)
        {
            _logger.LogWarning("Connection {Id} ({Jid}): more than {Bytes} bytes or {Items} stanzas wait for the client; closing its stream, {Count} stanzas go back to sm",
                Id, _jid, _options.MaxOutboundBytes, _options.MaxOutboundQueue, taken.Count);
            C2sTelemetry.OutputOverflow();
        }
        CloseWithStreamError(StreamErrors.PolicyViolation, "too much data waiting for this client");
        // The overflowing packet came last; the queued ones, in their order, before it.
        taken.Add(taken[0]);
        taken.RemoveAt(0);
        ReturnToSm(taken, "the client's output is full");
        EndSmSession(); // at once: sm stores what comes for the client from now on instead of sending it here
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
                    if (item.TlsSwitch is null)
                    {
                        _inFlightBytes += item.Cost;
                        _inFlightItems++;
                    }
                    if (item.FromSm is { } packet)
                        lock (_outLock) (_inFlight ??= []).Add(packet);
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
                Written(); // items that wrote nothing (empty text) leave the budget too
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
            TakeBackLocked();
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
        if (_output.IsEmpty)
        {
            Written();
            return;
        }
        try
        {
            await Transport.WriteAsync(_output.Data.First);
            Written();
        }
        finally
        {
            _output.Release();
        }
    }

    /// <summary>What the pump buffered is written (or there was nothing to write): it leaves the budget.</summary>
    private void Written()
    {
        if (_inFlightItems == 0) return;
        _budget.Remove(_inFlightBytes, _inFlightItems);
        _inFlightBytes = 0;
        _inFlightItems = 0;
        lock (_outLock) _inFlight?.Clear();
    }

    /// <summary>
    /// Output is over for good with some of it unwritten: the packets from sm still queued or in
    /// the pump's buffer are taken back, to be returned to sm (<see cref="ReturnUndelivered"/>).
    /// </summary>
    private void TakeBackLocked()
    {
        if (_inFlight is { Count: > 0 } inFlight)
        {
            (_undelivered ??= []).AddRange(inFlight);
            inFlight.Clear();
        }
        if (_outQueue is { } queue)
            foreach (var item in queue)
                if (item.FromSm is { } packet)
                    (_undelivered ??= []).Add(packet);
        _outQueue?.Clear();
    }

    /// <summary>Sends sm back what it sent for this client and was never written (once the pump has stopped).</summary>
    private void ReturnUndelivered()
    {
        List<Packet>? undelivered;
        lock (_outLock)
        {
            TakeBackLocked();
            undelivered = _undelivered;
            _undelivered = null;
        }
        if (TakeHeldByCsi() is { Count: > 0 } held) (undelivered ??= []).AddRange(held);
        if (undelivered is { Count: > 0 }) ReturnToSm(undelivered, "the connection closed before they were written");
    }

    /// <summary>
    /// Returns packets sm sent for this client to sm, marked undelivered (sm stores messages
    /// offline and answers iqs with an error). If even that fails (the router link is down or
    /// full), they are lost: logged and counted.
    /// </summary>
    private void ReturnToSm(List<Packet> packets, string why)
    {
        // Numbered ones (XEP-0198) wait in sm's queue for a resumption, or are handled there when the session ends.
        if (packets.RemoveAll(HeldBySm) is > 0 and var kept)
            _logger.LogDebug("Connection {Id}: {Count} unwritten stanzas stay with sm's stream management", Id, kept);
        if (packets.Count == 0) return;
        var lost = 0;
        foreach (var packet in packets)
        {
            packet.Undelivered = true;
            var sent = _sm.Send(new Frame { To = _smOwner.Length > 0 ? _smOwner : _sm.SmAddress, Packet = packet });
            C2sTelemetry.ReturnedToSm(packet.Kind, sent);
            if (!sent) lost++;
        }
        _logger.LogInformation("Connection {Id}: {Count} stanzas from sm not written ({Why}); returned to sm", Id, packets.Count, why);
        if (lost > 0) _logger.LogWarning("Connection {Id}: {Lost} undelivered stanzas could not be returned to sm (router link down or full); lost", Id, lost);
    }

    /// <summary>Marks the pump stopped and drops the empty queue; true when output is finished for good.</summary>
    private bool StopPumpLocked()
    {
        _pumpRunning = false;
        _outQueue = null;
        if (_inFlight is { Count: 0 }) _inFlight = null; // an idle connection holds no list
        _pumpStopped?.TrySetResult();
        return _outputDone;
    }

    /// <summary>True when nothing is left to write (waiting at most <paramref name="limit"/>), false if the pump is still writing then.</summary>
    private async Task<bool> OutputDrainedAsync(TimeSpan limit)
    {
        Task stopped;
        lock (_outLock)
        {
            if (!_pumpRunning) return true;
            _pumpStopped ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            stopped = _pumpStopped.Task;
        }
        try
        {
            await stopped.WaitAsync(limit);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Sends the stream error (after a header if none was sent on this stream) and closes.</summary>
    public void CloseWithStreamError(string condition, string? text = null) => CloseWithRenderedError(condition, StreamErrors.Render(condition, text));

    /// <summary>Closes the stream with <paramref name="error"/> (a rendered &lt;stream:error/&gt; of <paramref name="condition"/>).</summary>
    private void CloseWithRenderedError(string condition, string error)
    {
        if (Interlocked.Exchange(ref _closing, 1) == 1) return;
        MarkStreamEnded(condition);
        var header = _headerSent ? "" : StreamPreamble.Header(_options.Domain, NewStreamId());
        Send(header + error + StreamPreamble.Close);
        _stage = StreamStage.Closed;
        FinishOutput();
        _closeCts.Cancel();
    }

    /// <summary>The client closed its stream: end the session and close ours.</summary>
    private void CloseGracefully()
    {
        if (Interlocked.Exchange(ref _closing, 1) == 1) return;
        MarkStreamEnded();
        _peerClosed = true; // the session ends once what is queued has been written (RunAsync)
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
