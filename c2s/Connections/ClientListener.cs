using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Xmpp.C2s.Connections.ProxyProtocol;
using Xmpp.C2s.Limits;
using Xmpp.C2s.Routing;
using Xmpp.C2s.Sasl;
using Xmpp.C2s.Telemetry;
using Xmpp.C2s.Tls;
using Xmpp.Common.Xml;

namespace Xmpp.C2s.Connections;

/// <summary>
/// Accepts client sockets on C2s:ListenAddress:Port (STARTTLS) and, when set, C2s:DirectTlsPort
/// (XEP-0368 direct TLS), and runs a <see cref="ClientConnection"/> on each. Our own accept loop rather than Kestrel's connection layer: a client connection is one
/// socket, one <see cref="NetworkStream"/> and, after STARTTLS, one TLS stream (<see cref="Tls.ServerTls"/>: BouncyCastle or SslStream),
/// read straight into the stream parser, with no transport pipes or connection features held
/// per idle client (docs/BENCHMARKS.md, idle memory). Beyond C2s:MaxConnections a new socket is
/// closed at once. A connection from a trusted proxy (C2s:ProxyProtocol:TrustedProxies) must first
/// send a PROXY protocol v2 header, whose source address becomes the client's; the per-address
/// limits (C2s:Limits, <see cref="ConnectionLimiter"/>) then apply to the client's address, and a
/// connection over one gets &lt;policy-violation/&gt; before any stream (<see cref="ConnectionRefusal"/>).
/// On shutdown every client gets &lt;system-shutdown/&gt;, or &lt;see-other-host/&gt; (C2s:Shutdown:SeeOtherHost) when it has no resumable session.
/// </summary>
public sealed class ClientListener(IOptions<C2sOptions> options, SmConnector sm, ConnectionRegistry registry, ILogger<ClientConnection> logger)
    : IHostedService
{
    private readonly C2sOptions _options = options.Value;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _allClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ServerTls? _tls;
    private Socket? _listener;
    private Socket? _directListener;
    private Task _acceptLoop = Task.CompletedTask;
    private Task _directAcceptLoop = Task.CompletedTask;
    private long _open = 1; // one for the listener itself, so "all closed" cannot fire before stop
    private long _lastRefusalWarning = long.MinValue / 2;
    private readonly ConnectionLimiter _limiter = new(options.Value.Limits.ToLimits());
    private readonly TrustedProxies _trustedProxies = new(options.Value.ProxyProtocol.TrustedProxies);
    private readonly RefusalLog _refusals = new(logger, options.Value.Limits.RefusalLogInterval);
    private readonly RefusalLog _proxyFailures = new(logger, options.Value.Limits.RefusalLogInterval);
    private int _lingering; // refused connections waiting for their client to close

    /// <summary>The bound endpoint (the actual port when C2s:Port is 0).</summary>
    public IPEndPoint? LocalEndPoint => _listener?.LocalEndPoint as IPEndPoint;

    /// <summary>The bound direct TLS endpoint (XEP-0368, C2s:DirectTlsPort); null when there is none.</summary>
    public IPEndPoint? DirectTlsEndPoint => _directListener?.LocalEndPoint as IPEndPoint;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _options.Shutdown.Validate();
        var (certificate, chain) = ServerCertificate.LoadWithChain(_options);
        _tls = new ServerTls(certificate, _options.Tls.Stack, chain);
        _listener = Listen(_options.Port);
        if (_options.DirectTlsPort is { } directPort)
        {
            try
            {
                _directListener = Listen(directPort);
            }
            catch
            {
                _listener.Dispose();
                throw;
            }
            logger.LogInformation("Direct TLS (XEP-0368, ALPN xmpp-client) on {EndPoint}", _directListener.LocalEndPoint);
        }
        if (!_trustedProxies.IsEmpty) logger.LogInformation("PROXY protocol v2 required from {Proxies}", _trustedProxies);
        _acceptLoop = AcceptLoopAsync(_listener, directTls: false, _stopping.Token);
        if (_directListener is not null) _directAcceptLoop = AcceptLoopAsync(_directListener, directTls: true, _stopping.Token);
    }

    private Socket Listen(int port)
    {
        var endpoint = new IPEndPoint(IPAddress.Parse(_options.ListenAddress), port);
        var listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6 && endpoint.Address.Equals(IPAddress.IPv6Any))
                listener.DualMode = true;
            // As Kestrel does: on Unix a restarted c2s can listen again while its old connections
            // are in TIME_WAIT (on Windows the option would let another process take the port).
            if (!OperatingSystem.IsWindows()) listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(endpoint);
            listener.Listen(_options.ListenBacklog);
            return listener;
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    private async Task AcceptLoopAsync(Socket listener, bool directTls, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // A connection reset before it was accepted, or out of descriptors: keep listening.
                logger.LogWarning("Accept failed: {Error}", e.SocketErrorCode);
                if (e.SocketErrorCode is not (SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)) continue;
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            if (Interlocked.Read(ref _open) - 1 >= _options.MaxConnections)
            {
                if (Environment.TickCount64 - _lastRefusalWarning > 10_000)
                {
                    _lastRefusalWarning = Environment.TickCount64; // at most one warning per 10 s, whatever the flood
                    logger.LogWarning("Refusing connections: C2s:MaxConnections ({Max}) are open", _options.MaxConnections);
                }
                C2sTelemetry.ConnectionRefused("max-connections");
                socket.Dispose();
                continue;
            }
            Interlocked.Increment(ref _open);
            _ = AdmitAsync(socket, directTls, ct); // synchronous up to the connection's first read, unless a PROXY header is awaited
        }
    }

    /// <summary>
    /// Finds the client's address (the socket's peer, or a trusted proxy's PROXY header), applies
    /// the per-address limits and starts the connection, or refuses it. Owns one count of _open.
    /// </summary>
    private async Task AdmitAsync(Socket socket, bool directTls, CancellationToken ct)
    {
        var started = false;
        IPAddress? admitted = null;
        try
        {
            socket.NoDelay = true;
            var peer = TrustedProxies.Normalize((socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None);
            var address = peer;
            if (!_trustedProxies.IsEmpty && _trustedProxies.Contains(peer))
            {
                var proxy = _options.ProxyProtocol;
                var outcome = await ProxyHeaderReader.ReadAsync(socket, proxy.MaxHeaderBytes, proxy.HeaderTimeout, ct);
                if (outcome.Header is null)
                {
                    C2sTelemetry.ProxyHeaderRejected(outcome.Failure!);
                    _proxyFailures.Warn("PROXY header " + outcome.Failure, peer.ToString(), outcome.Detail ?? $"C2s:ProxyProtocol, header timeout {proxy.HeaderTimeout}");
                    socket.Dispose();
                    return;
                }
                if (outcome.Header.Source is { } source) address = TrustedProxies.Normalize(source.Address);
            }
            var decision = _limiter.TryAdmit(address, Environment.TickCount64 * TimeSpan.TicksPerMillisecond);
            if (decision != Admission.Admitted)
            {
                await RefuseAsync(socket, address, peer, decision, directTls, ct);
                return;
            }
            admitted = address;
            var connection = new ClientConnection(socket, _options, sm, registry, _tls!, logger, () =>
            {
                _limiter.Release(address);
                OnClosed();
            }, address, directTls);
            started = true;
            if (logger.IsEnabled(LogLevel.Information))
                logger.LogInformation("Connection {Id} from {Address}{Via}{Direct}", connection.Id, address, address.Equals(peer) ? "" : $" via proxy {peer}",
                    directTls ? " (direct TLS)" : "");
            _ = connection.RunAsync();
        }
        catch (Exception e)
        {
            if (started) return; // the connection owns its socket and counts now
            logger.LogError(e, "Could not start a client connection");
            socket.Dispose();
            if (admitted is not null) _limiter.Release(admitted);
        }
        finally
        {
            if (!started) OnClosed();
        }
    }

    private async Task RefuseAsync(Socket socket, IPAddress address, IPAddress peer, Admission decision, bool directTls, CancellationToken ct)
    {
        var limits = _options.Limits;
        var (reason, text, detail) = decision switch
        {
            Admission.TooManyOpen => ("too-many-open", ConnectionRefusal.TooManyOpenText, $"C2s:Limits:MaxConnectionsPerIp {limits.MaxConnectionsPerIp}"),
            Admission.TooFast => ("too-fast", ConnectionRefusal.TooFastText,
                $"C2s:Limits:ConnectionsPerIpPerSecond {limits.ConnectionsPerIpPerSecond}, burst {limits.ConnectionBurstPerIp}"),
            _ => ("too-many-addresses", ConnectionRefusal.BusyText, $"C2s:Limits:MaxTrackedAddresses {limits.MaxTrackedAddresses}"),
        };
        C2sTelemetry.ConnectionRefused(reason);
        var lingering = Interlocked.Increment(ref _lingering);
        try
        {
            var via = address.Equals(peer) ? "" : $" via proxy {peer}";
            if (directTls)
            {
                // A direct TLS client waits for a ServerHello: a plain-text stream error means nothing
                // to it, and a handshake is what a refused address should not cost us.
                _refusals.Warn(reason, address + via, detail + "; direct TLS: closed without a stream error");
                socket.Dispose();
                return;
            }
            if (lingering > limits.MaxLingeringRefusals)
            {
                _refusals.Warn(reason, address + via, detail + $"; closed without a stream error: C2s:Limits:MaxLingeringRefusals {limits.MaxLingeringRefusals} are waiting");
                socket.Dispose();
                return;
            }
            _refusals.Warn(reason, address + via, detail);
            await ConnectionRefusal.RefuseAsync(socket, ConnectionRefusal.Message(_options.Domain, text), limits.RefusalLinger, ct);
        }
        finally
        {
            Interlocked.Decrement(ref _lingering);
        }
    }

    private void OnClosed()
    {
        if (Interlocked.Decrement(ref _open) == 0) _allClosed.TrySetResult();
    }

    /// <summary>Stops accepting, tells every client &lt;system-shutdown/&gt; and waits (as long as the host allows) for them to close.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        _listener?.Dispose();
        _directListener?.Dispose();
        await _acceptLoop;
        await _directAcceptLoop;
        // A resumable session (XEP-0198) is detached on sm, not ended: its client resumes on another c2s;
        // the others are sent to C2s:Shutdown:SeeOtherHost when set (ClientConnection.Shutdown.cs).
        var seeOtherHost = _options.Shutdown.SeeOtherHost;
        var closed = registry.All.Select(c => c.CloseForShutdown(seeOtherHost)).ToList();
        if (closed.Count > 0)
            logger.LogInformation("Shutdown: {Count} client streams closed ({SeeOther} sent to {Host} with see-other-host, the others system-shutdown)",
                closed.Count, closed.Count(c => c == StreamErrors.SeeOtherHost), seeOtherHost ?? "(unset)");
        OnClosed(); // the listener's own count
        try
        {
            await _allClosed.Task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("Shutdown: {Count} client connections still open", registry.Count);
        }
    }
}
