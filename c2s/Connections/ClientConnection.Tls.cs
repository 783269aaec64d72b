using System.Net.Security;
using Xmpp.C2s.Protocol;

namespace Xmpp.C2s.Connections;

/// <summary>
/// TLS: STARTTLS (RFC 6120 §5), direct TLS (XEP-0368) and the handshake on the output pump. All TLS is the
/// configured stack's (C2s:Tls:Stack: BouncyCastle or SslStream; TLS 1.2 and 1.3, alerts, KeyUpdate,
/// close_notify); c2s adds no record handling of its own.
/// </summary>
public sealed partial class ClientConnection
{
    private Stream? _tls; // BouncyCastle's (the default) or SslStream (C2s:Tls:Stack)

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
        if (!Enqueue(new Outbound(null, default, done)) || !await done.Task.WaitAsync(ct))
        {
            _closeCts.Cancel();
            return;
        }
        _parser.Reset();
        _headerSent = false;
        _sasl = null; // a SASL exchange of the plain-text stream (C2s:RequireTls off) does not go on over TLS
        _secure = true;
        _stage = StreamStage.Secured;
    }

    /// <summary>
    /// Direct TLS (XEP-0368): the handshake comes first, on the output pump like STARTTLS's, and
    /// the stream that follows is already secured (its features offer no STARTTLS). False when
    /// the handshake failed (logged and counted): the connection is then closed without a stream.
    /// </summary>
    private async Task<bool> StartDirectTlsAsync(CancellationToken ct)
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Enqueue(new Outbound(null, default, done)) || !await done.Task.WaitAsync(ct))
        {
            _peerClosed = true; // no stream to close, nothing to wait for
            return false;
        }
        _secure = true;
        _stage = StreamStage.Secured;
        return true;
    }

    private async Task<bool> HandshakeAsync()
    {
        Stream tls;
        try
        {
            using var timeout = new CancellationTokenSource(_options.TlsHandshakeTimeout);
            tls = await _serverTls.AuthenticateAsync(_network, _directTls, timeout.Token);
        }
        catch (Exception e)
        {
            Telemetry.C2sTelemetry.TlsHandshakeFailed(_directTls);
            _logger.LogInformation("Connection {Id} from {Address}: {Transport} TLS handshake failed: {Error}", Id, RemoteAddress,
                _directTls ? "direct" : "STARTTLS", e is OperationCanceledException ? $"not done within C2s:TlsHandshakeTimeout ({_options.TlsHandshakeTimeout})" : e.Message);
            return false;
        }
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            var (protocol, cipher, alpn) = Tls.TlsStreams.Describe(tls);
            _logger.LogDebug("Connection {Id}: TLS established ({Protocol}, {Cipher}, ALPN '{Alpn}')", Id, protocol, cipher, alpn);
        }
        _tls = tls;
        return true;
    }

    /// <summary>The channel bindings this connection's SCRAM-*-PLUS can check; none before TLS or with C2s:ChannelBinding off.</summary>
    private Xmpp.Common.Sasl.ScramChannelBinding ChannelBindings() =>
        _tls is { } tls && _options.ChannelBinding
            ? Tls.TlsChannelBinding.Of(tls, _serverTls.EndPointData)
            : Xmpp.Common.Sasl.ScramChannelBinding.None;

    /// <summary>
    /// Ends TLS the standard way: our close_notify (answering the client's, or before we close),
    /// then the TLS stream goes. A client that is gone or a write still pending only means no
    /// close_notify is sent; the socket is closed after this either way.
    /// </summary>
    private async ValueTask CloseTlsAsync()
    {
        if (_tls is not { } tls) return;
        try
        {
            if (!_closeNotifySent) await Tls.TlsStreams.ShutdownAsync(tls).WaitAsync(CloseNotifyTimeout);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or NotSupportedException or ObjectDisposedException or TimeoutException)
        {
            _logger.LogDebug("Connection {Id}: no TLS close_notify sent: {Error}", Id, e.Message);
        }
        await tls.DisposeAsync();
    }

    /// <summary>How long sending our close_notify may take (the client may have stopped reading).</summary>
    private static readonly TimeSpan CloseNotifyTimeout = TimeSpan.FromSeconds(2);
}
