using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Xmpp.C2s.Routing;
using Xmpp.C2s.Sasl;
using Xmpp.C2s.Tls;
using Xmpp.Common.Xml;

namespace Xmpp.C2s.Connections;

/// <summary>
/// Accepts client sockets on C2s:ListenAddress:Port and runs a <see cref="ClientConnection"/> on
/// each. Our own accept loop rather than Kestrel's connection layer: a client connection is one
/// socket, one <see cref="NetworkStream"/> and, after STARTTLS, one <see cref="SslStream"/>,
/// read straight into the stream parser, with no transport pipes or connection features held
/// per idle client (docs/BENCHMARKS.md, idle memory). Beyond C2s:MaxConnections a new socket is
/// closed at once. On shutdown every client gets &lt;system-shutdown/&gt;.
/// </summary>
public sealed class ClientListener(IOptions<C2sOptions> options, SmConnector sm, ConnectionRegistry registry, ILogger<ClientConnection> logger)
    : IHostedService
{
    private readonly C2sOptions _options = options.Value;
    private readonly byte[] _decoySecret = SaslNegotiator.NewDecoySecret();
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _allClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ServerTls? _tls;
    private Socket? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private long _open = 1; // one for the listener itself, so "all closed" cannot fire before stop
    private Action? _onClosed; // one delegate shared by every connection
    private long _lastRefusalWarning = long.MinValue / 2;

    /// <summary>The bound endpoint (the actual port when C2s:Port is 0).</summary>
    public IPEndPoint? LocalEndPoint => _listener?.LocalEndPoint as IPEndPoint;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _tls = new ServerTls(ServerCertificate.Load(_options));
        var endpoint = new IPEndPoint(IPAddress.Parse(_options.ListenAddress), _options.Port);
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
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        _listener = listener;
        _acceptLoop = AcceptLoopAsync(listener, _stopping.Token);
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken ct)
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
                socket.Dispose();
                continue;
            }
            Interlocked.Increment(ref _open);
            try
            {
                socket.NoDelay = true;
                _ = new ClientConnection(socket, _options, sm, registry, _tls!, _decoySecret, logger, _onClosed ??= OnClosed).RunAsync();
            }
            catch (Exception e)
            {
                logger.LogError(e, "Could not start a client connection");
                socket.Dispose();
                OnClosed();
            }
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
        await _acceptLoop;
        foreach (var connection in registry.All) connection.CloseWithStreamError(StreamErrors.SystemShutdown);
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
