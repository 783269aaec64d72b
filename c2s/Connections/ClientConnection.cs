using System.Net;
using System.Net.Sockets;
using Xmpp.C2s.Protocol;
using Xmpp.C2s.Routing;
using Xmpp.C2s.Sasl;
using Xmpp.C2s.Telemetry;
using Xmpp.C2s.Tls;
using Xmpp.Common;
using Xmpp.Common.Xml;

namespace Xmpp.C2s.Connections;

/// <summary>
/// One client's XML stream on this frontend. Split by concern into partial files: the read loop
/// (this file), output (.Output), TLS (.Tls), negotiation (.Negotiation), binding (.Bind) and the
/// established session (.Session). Protocol decisions live in Protocol/ and Sasl/.
/// </summary>
public sealed partial class ClientConnection
{
    /// <summary>Most bytes read from the client at once (the receive buffer grows past it only for a stanza in progress).</summary>
    private const int ReadSize = 8192;

    private readonly Socket _socket;
    private readonly NetworkStream _network;
    private readonly PooledBuffer _input = new(ReadSize);
    private readonly C2sOptions _options;
    private readonly SmConnector _sm;
    private readonly ConnectionRegistry _registry;
    private readonly ServerTls _serverTls;
    private readonly ILogger _logger;
    private readonly Action? _closed;
    private readonly XmppStreamParser _parser;
    private readonly CancellationTokenSource _closeCts = new();
    private Timer? _loginTimer;
    private readonly long _connectedAt = Environment.TickCount64;
    private StreamStage _stage = StreamStage.Connected;
    private bool _secure;
    private readonly bool _directTls;
    private SaslNegotiator? _sasl;
    private int _authFailures;
    private string? _localPart;

    /// <param name="closed">Called once the connection is over and its socket closed.</param>
    /// <param name="remoteAddress">The client's address (from a trusted proxy's PROXY header); null: the socket's peer.</param>
    /// <param name="directTls">A connection on C2s:DirectTlsPort (XEP-0368): TLS from the first byte, before any stream.</param>
    public ClientConnection(Socket socket, C2sOptions options, SmConnector sm, ConnectionRegistry registry,
        ServerTls serverTls, ILogger logger, Action? closed = null, IPAddress? remoteAddress = null, bool directTls = false)
    {
        _directTls = directTls;
        RemoteAddress = remoteAddress ?? (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        _closed = closed;
        _socket = socket;
        _network = new NetworkStream(socket, ownsSocket: true);
        _options = options;
        _sm = sm;
        _registry = registry;
        _serverTls = serverTls;
        _logger = logger;
        Id = registry.NextId();
        _parser = new XmppStreamParser(new XmppParserOptions { MaxStanzaBytes = options.MaxStanzaBytes, MaxDepth = options.MaxStanzaDepth });
    }

    /// <summary>The c2s session id: unique on this frontend, named in every frame about this connection.</summary>
    public string Id { get; }

    public StreamStage Stage => _stage;

    /// <summary>
    /// The client's address, for limits and logs: the source address of the PROXY protocol header
    /// when the connection came from a trusted proxy (C2s:ProxyProtocol:TrustedProxies), otherwise
    /// the socket's peer address.
    /// </summary>
    public IPAddress RemoteAddress { get; }

    public async Task RunAsync()
    {
        _registry.Add(this);
        // Dropped as soon as the session is established (see StopLoginTimer): idle sessions hold no timer.
        // First due at C2s:AuthTimeout (unauthenticated streams), then re-armed up to C2s:LoginTimeout.
        var due = _options.AuthTimeout < _options.LoginTimeout ? _options.AuthTimeout : _options.LoginTimeout;
        _loginTimer = new Timer(static state => ((ClientConnection)state!).OnLoginTimeout(), this, due, Timeout.InfiniteTimeSpan);
        try
        {
            if (_directTls && !await StartDirectTlsAsync(_closeCts.Token)) return;
            await ReadLoopAsync(_closeCts.Token);
        }
        catch (XmppStreamException e)
        {
            _logger.LogInformation("Connection {Id}: stream error {Condition}", Id, e.Condition);
            CloseWithStreamError(e.Condition, e.Text);
        }
        catch (OperationCanceledException)
        {
            // closed by us or by the peer
        }
        catch (Exception e) when (e is IOException or SocketException or System.Security.Authentication.AuthenticationException)
        {
            _peerClosed = true;
            _logger.LogDebug("Connection {Id} dropped: {Error}", Id, e.Message);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Connection {Id} failed", Id);
            CloseWithStreamError(StreamErrors.InternalServerError);
        }
        finally
        {
            try
            {
                _registry.Remove(this);
                StopLoginTimer();
                await CloseStreamAsync();
                _input.Release();
                await CloseTlsAsync();
                CloseSocket();
            }
            finally
            {
                _closed?.Invoke();
            }
        }
    }

    /// <summary>The stream the client's bytes travel on: the socket, or the TLS stream over it (BouncyCastle or SslStream, C2s:Tls:Stack) once TLS is up.</summary>
    private Stream Transport => (Stream?)_tls ?? _network;

    private async Task ReadLoopAsync(CancellationToken ct)
    {
        while (true)
        {
            // Zero-byte read first: an idle connection waits holding no buffer of ours, and the TLS
            // stream holds none either while it waits on the socket with a zero-byte read (SslStream
            // returns its pooled one; BouncyCastle's rents one only once bytes have arrived).
            if (_input.IsEmpty) _ = await Transport.ReadAsync(Memory<byte>.Empty, ct);
            var read = await Transport.ReadAsync(_input.GetSpace(), ct);
            _input.Advance(read);
            if (read == 0)
            {
                _peerClosed = true;
                ClientEnded(); // the client closed the connection (over TLS: its close_notify)
                return;
            }
            var buffer = _input.Data;
            var length = buffer.Length;
            var upgrade = false;
            try
            {
                while (!_closeCts.IsCancellationRequested && _parser.TryRead(ref buffer, out var ev))
                {
                    upgrade = await HandleAsync(ev!, ct);
                    if (upgrade) break;
                }
            }
            finally
            {
                _input.Consume(length - buffer.Length);
            }
            if (_closeCts.IsCancellationRequested) return;
            if (upgrade) await UpgradeToTlsAsync(ct);
        }
    }

    /// <summary>Handles one parsed event; true when the connection must switch to TLS before reading on.</summary>
    private async Task<bool> HandleAsync(XmppStreamEvent ev, CancellationToken ct)
    {
        switch (ev)
        {
            case StreamOpenEvent open:
                OnStreamOpen(open);
                return false;
            case StreamCloseEvent:
                CloseGracefully();
                return false;
            case StanzaEvent { Element: var element }:
                return await OnElementAsync(element, ct);
            default:
                return false;
        }
    }

    private async Task<bool> OnElementAsync(System.Xml.Linq.XElement element, CancellationToken ct)
    {
        switch (_stage)
        {
            case StreamStage.Connected:
                if (element.Name == System.Xml.Linq.XName.Get("starttls", Ns.Tls)) return StartTls();
                if (Xmpp.C2s.Registration.RegistrationRequest.Is(element, _options.Domain))
                {
                    await OnRegistrationBeforeAuthAsync(element, ct);
                    return false;
                }
                if (element.Name.NamespaceName == Ns.Sasl)
                {
                    if (_options.RequireTls) SendSaslFailure("encryption-required");
                    else await OnSaslAsync(element, ct);
                    return false;
                }
                CloseWithStreamError(StreamErrors.NotAuthorized, "negotiate TLS and authenticate first");
                return false;
            case StreamStage.Secured:
                if (element.Name.NamespaceName == Ns.Sasl) await OnSaslAsync(element, ct);
                else if (Sasl2Offered && (element.Name.NamespaceName == Sasl2Namespaces.Sasl2 || _sasl2 is { InProgress: true })) await OnSasl2Async(element, ct);
                else if (Xmpp.C2s.Registration.RegistrationRequest.Is(element, _options.Domain)) await OnRegistrationBeforeAuthAsync(element, ct);
                else CloseWithStreamError(StreamErrors.NotAuthorized, "authenticate first");
                return false;
            case StreamStage.Authenticated:
                if (!await OnStreamManagementBeforeBindAsync(element, ct)) await OnPreBindStanzaAsync(element, ct);
                return false;
            case StreamStage.Established:
                if (!OnCsiNonza(element) && !OnStreamManagementNonza(element) && !await TryChangePasswordAsync(element, ct)) OnSessionStanza(element);
                return false;
            default:
                return false;
        }
    }

    private void CloseSocket()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // already gone
        }
        _network.Dispose();
    }

    private void ClientEnded()
    {
        Telemetry.C2sTelemetry.ClientClosed(tls: _tls is not null);
        _logger.LogDebug("Connection {Id}: the client closed the connection ({Transport})", Id, _tls is null ? "TCP" : "TLS close_notify");
    }

    private void StopLoginTimer() => Interlocked.Exchange(ref _loginTimer, null)?.Dispose();

    private void OnLoginTimeout()
    {
        if (_stage is StreamStage.Established or StreamStage.Closed) return;
        if (_stage is StreamStage.Connected or StreamStage.Secured)
        {
            _logger.LogInformation("Connection {Id} from {Address}: not authenticated within C2s:AuthTimeout ({Timeout}); closing", Id, RemoteAddress, _options.AuthTimeout);
            C2sTelemetry.LoginTimedOut("auth");
            CloseWithStreamError(StreamErrors.ConnectionTimeout, "authentication took too long");
            return;
        }
        var left = _options.LoginTimeout - TimeSpan.FromMilliseconds(Environment.TickCount64 - _connectedAt);
        if (left > TimeSpan.Zero)
        {
            try
            {
                Volatile.Read(ref _loginTimer)?.Change(left, Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
                // stopped: the session was established meanwhile
            }
            return;
        }
        _logger.LogInformation("Connection {Id} from {Address}: not bound within C2s:LoginTimeout ({Timeout}); closing", Id, RemoteAddress, _options.LoginTimeout);
        C2sTelemetry.LoginTimedOut("bind");
        CloseWithStreamError(StreamErrors.ConnectionTimeout, "login took too long");
    }
}
