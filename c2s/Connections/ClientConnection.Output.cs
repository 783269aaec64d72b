using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Text;
using System.Threading.Channels;
using Xmpp.C2s.Protocol;
using Xmpp.C2s.Tls;
using Xmpp.Common.Xml;

namespace Xmpp.C2s.Connections;

/// <summary>Output: one pump writes everything to the client in order; it also performs the TLS switch.</summary>
public sealed partial class ClientConnection
{
    private readonly Channel<Outbound> _outbox;
    private PipeWriter _output;
    private SslStream? _tls;
    private int _queued;
    private int _closing;
    private bool _headerSent;
    private string _streamId = "";

    private readonly record struct Outbound(string? Text, ReadOnlyMemory<byte> Bytes, TaskCompletionSource<bool>? TlsSwitch);

    /// <summary>Queues text for the client (stream-level writes and c2s's own answers).</summary>
    private void Send(string text)
    {
        Interlocked.Increment(ref _queued);
        _outbox.Writer.TryWrite(new Outbound(text, default, null));
    }

    /// <summary>Queues a stanza that sm sent for this client. A client that does not read is cut off.</summary>
    public void DeliverFromSm(ReadOnlyMemory<byte> stanza)
    {
        if (Interlocked.Increment(ref _queued) > _options.MaxOutboundQueue)
        {
            CloseWithStreamError(StreamErrors.PolicyViolation, "too many stanzas waiting for this client");
            return;
        }
        _outbox.Writer.TryWrite(new Outbound(null, stanza, null));
    }

    private async Task PumpOutputAsync()
    {
        var reader = _outbox.Reader;
        try
        {
            while (await reader.WaitToReadAsync())
            {
                while (reader.TryRead(out var item))
                {
                    Interlocked.Decrement(ref _queued);
                    if (item.TlsSwitch is { } done)
                    {
                        await _output.FlushAsync();
                        done.TrySetResult(await HandshakeAsync());
                        continue;
                    }
                    if (item.Text is { } text) Encoding.UTF8.GetBytes(text, _output);
                    else _output.Write(item.Bytes.Span);
                }
                var flush = await _output.FlushAsync();
                if (flush.IsCompleted) break;
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
        {
            _logger.LogDebug("Connection {Id}: write failed: {Error}", Id, e.Message);
        }
        finally
        {
            _closeCts.Cancel();
        }
    }

    /// <summary>Answers &lt;starttls/&gt; with &lt;proceed/&gt; and asks the read loop to switch.</summary>
    private bool StartTls()
    {
        Send($"<proceed xmlns='{Common.Ns.Tls}'/>");
        return true;
    }

    private async Task UpgradeToTlsAsync(CancellationToken ct)
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _outbox.Writer.TryWrite(new Outbound(null, default, done));
        Interlocked.Increment(ref _queued);
        if (!await done.Task.WaitAsync(ct))
        {
            _closeCts.Cancel();
            return;
        }
        // Zero-byte reads: an idle connection waits without a rented buffer, and SslStream frees its own.
        _reader = PipeReader.Create(_tls!, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true, useZeroByteReads: true));
        _parser.Reset();
        _headerSent = false;
        _secure = true;
        _stage = StreamStage.Secured;
    }

    private async Task<bool> HandshakeAsync()
    {
        var tls = new SslStream(new DuplexPipeStream(_context.Transport), leaveInnerStreamOpen: true);
        try
        {
            using var timeout = new CancellationTokenSource(_options.TlsHandshakeTimeout);
            await tls.AuthenticateAsServerAsync(_serverTls.Options, timeout.Token);
        }
        catch (Exception e)
        {
            _logger.LogInformation("Connection {Id}: TLS handshake failed: {Error}", Id, e.Message);
            await tls.DisposeAsync();
            return false;
        }
        if (_serverTls.ReleaseIdleBuffers) OpenSslIdleBuffers.TryEnable(tls, _logger);
        _tls = tls;
        _output = PipeWriter.Create(tls, new StreamPipeWriterOptions(leaveOpen: true));
        return true;
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

    private void FinishOutput() => _outbox.Writer.TryComplete();

    private string NewStreamId() => _streamId = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();
}
