using System.Net.Security;
using Xmpp.C2s.Protocol;
using Xmpp.C2s.Tls;

namespace Xmpp.C2s.Connections;

/// <summary>
/// TLS: STARTTLS (RFC 6120 §5), the handshake on the output pump, and, once the session is
/// established, the hand-over of a TLS 1.3 connection's record protection from OpenSSL to our
/// record layer (<see cref="Tls13RecordStream"/>), after which the SslStream and its OpenSSL
/// connection object are freed.
/// </summary>
public sealed partial class ClientConnection
{
    private SslStream? _tls;
    private HandOverStream? _handOver;       // under _tls while its records may still be taken over
    private Tls13RecordStream? _records;     // our record layer once they have been

    /// <summary>Answers &lt;starttls/&gt; with &lt;proceed/&gt; and asks the read loop to switch.</summary>
    private bool StartTls()
    {
        Send($"<proceed xmlns='{Common.Ns.Tls}'/>");
        return true;
    }

    private async Task UpgradeToTlsAsync(CancellationToken ct)
    {
        if (!_input.IsEmpty)
        {
            // RFC 6120 5.4.3.3: the client waits for <proceed/> before starting TLS, so what it sent
            // after <starttls/> can only be whitespace between elements (dropped) or a protocol
            // violation: bytes of a handshake we have not begun cannot be handed to TLS.
            var onlyWhitespace = _input.Data.FirstSpan.IndexOfAnyExcept(" \t\r\n"u8) < 0;
            _input.Release();
            if (!onlyWhitespace)
            {
                _logger.LogInformation("Connection {Id}: data after <starttls/> before <proceed/>; closing", Id);
                _closeCts.Cancel();
                return;
            }
        }
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Increment(ref _queued);
        if (!Enqueue(new Outbound(null, default, done)) || !await done.Task.WaitAsync(ct))
        {
            _closeCts.Cancel();
            return;
        }
        _parser.Reset();
        _headerSent = false;
        _secure = true;
        _stage = StreamStage.Secured;
    }

    private async Task<bool> HandshakeAsync()
    {
        if (_serverTls.TakeOverRecords) _handOver = new HandOverStream(_network);
        var tls = new SslStream(_handOver ?? (Stream)_network, leaveInnerStreamOpen: true);
        try
        {
            using var timeout = new CancellationTokenSource(_options.TlsHandshakeTimeout);
            await tls.AuthenticateAsServerAsync(_serverTls.Options, timeout.Token);
        }
        catch (Exception e)
        {
            _logger.LogInformation("Connection {Id}: TLS handshake failed: {Error}", Id, e.Message);
            await tls.DisposeAsync();
            _handOver = null;
            return false;
        }
        if (_serverTls.ReleaseIdleBuffers) OpenSslIdleBuffers.TryEnable(tls, _logger);
        if (_handOver is not null) OpenSslTrafficSecrets.Install(tls);
        _tls = tls;
        return true;
    }

    /// <summary>
    /// Once the session is established: if OpenSSL's record protection of this connection can be
    /// taken over, has the SslStream's input end at the next record boundary; otherwise the
    /// connection stays on SslStream for good.
    /// </summary>
    private void ArmTlsHandOver()
    {
        if (_handOver!.Armed) return;
        if (_tls is { } tls && OpenSslTrafficSecrets.CanTakeOver(tls)) _handOver.Arm();
        else _handOver = null;
    }

    /// <summary>The read loop found the SslStream's input ended at a record boundary: the pump switches between two writes.</summary>
    private async Task<bool> TakeOverTlsRecordsAsync(CancellationToken ct)
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Increment(ref _queued);
        if (Enqueue(new Outbound(null, default, done, HandOver: true)) && await done.Task.WaitAsync(ct)) return true;
        _logger.LogWarning("Connection {Id}: the TLS records could not be taken over; closing", Id);
        return false;
    }

    /// <summary>On the pump, nothing being written: our record layer continues where OpenSSL is, and the SslStream (its SSL object) goes.</summary>
    private async Task<bool> HandOverTlsAsync()
    {
        if (_tls is not { } tls || OpenSslTrafficSecrets.Take(tls, _network) is not { } records) return false;
        _records = records;
        _tls = null;
        _handOver = null;
        await tls.DisposeAsync();
        Telemetry.C2sTelemetry.TlsHandedOver.Add(1);
        _logger.LogDebug("Connection {Id}: TLS records handed over from OpenSSL", Id);
        return true;
    }

    /// <summary>Drops the record layer's cipher objects if the connection has been quiet since the last call.</summary>
    public void ReleaseIdleTlsCiphers() => _records?.ReleaseIdleCiphers();
}
