using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Xmpp.Common.Link;

namespace Xmpp.Gateway.Connections;

/// <summary>Accepts external components on Gateway:ListenAddress:Port and runs a <see cref="ComponentConnection"/> on each.</summary>
public sealed class ComponentListener(IOptions<GatewayOptions> options, IOptions<RouterLinkOptions> router, ILogger<ComponentConnection> logger) : IHostedService
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _connections = [];
    private Socket? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private int _open;

    public IPEndPoint? LocalEndPoint => _listener?.LocalEndPoint as IPEndPoint;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var endpoint = new IPEndPoint(IPAddress.Parse(options.Value.ListenAddress), options.Value.Port);
        _listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(endpoint);
        _listener.Listen(128);
        _acceptLoop = AcceptLoopAsync(_listener, _stopping.Token);
        return Task.CompletedTask;
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
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (ct.IsCancellationRequested) return;
                logger.LogWarning("Accepting a component connection failed: {Error}", e.Message);
                continue;
            }
            if (Interlocked.Increment(ref _open) > options.Value.MaxConnections)
            {
                Interlocked.Decrement(ref _open);
                logger.LogWarning("Component connection from {Peer} refused: {Max} connections are open (Gateway:MaxConnections)", socket.RemoteEndPoint, options.Value.MaxConnections);
                Telemetry.GatewayTelemetry.Refused("max-connections");
                socket.Dispose();
                continue;
            }
            socket.NoDelay = true;
            var connection = new ComponentConnection(socket, options.Value, router.Value, logger);
            lock (_connections)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(Task.Run(async () =>
                {
                    try { await connection.RunAsync(ct); }
                    catch (Exception e) { logger.LogError(e, "A component connection failed"); }
                    finally { Interlocked.Decrement(ref _open); }
                }, CancellationToken.None));
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        _listener?.Dispose();
        Task[] running;
        lock (_connections) running = [.. _connections, _acceptLoop];
        try { await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken); }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException) { }
    }
}
