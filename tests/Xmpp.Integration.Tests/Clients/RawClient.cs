using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Xmpp.Integration.Tests.Clients;

/// <summary>
/// A bare TCP connection for what <see cref="TestClient"/> cannot send: arbitrary bytes (a PROXY
/// protocol header) first. Collects everything the server sends, as text.
/// </summary>
public sealed class RawClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly StringBuilder _received = new();
    private readonly Task _reader;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _changed = new(0);

    private RawClient(Socket socket)
    {
        _socket = socket;
        _reader = Task.Run(ReadLoopAsync);
    }

    /// <summary>Everything received so far.</summary>
    public string Received { get { lock (_received) return _received.ToString(); } }

    public bool Closed => _closed.Task.IsCompleted;

    public static async Task<RawClient> ConnectAsync(int port, IPAddress? localAddress = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (localAddress is not null) socket.Bind(new IPEndPoint(localAddress, 0));
        using var cts = new CancellationTokenSource(TestClient.DefaultTimeout);
        await socket.ConnectAsync(IPAddress.Loopback, port, cts.Token);
        return new RawClient(socket);
    }

    public async Task SendAsync(byte[] bytes) => await _socket.SendAsync(bytes, SocketFlags.None);

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>Waits until the received text contains <paramref name="text"/>; throws with what came instead.</summary>
    public async Task ExpectAsync(string text, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TestClient.DefaultTimeout);
        while (!Received.Contains(text, StringComparison.Ordinal))
        {
            if (Closed && !Received.Contains(text, StringComparison.Ordinal))
                throw new InvalidOperationException($"the connection closed without '{text}'; received: {Received}");
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _changed.WaitAsync(left))
                throw new TimeoutException($"no '{text}' within the time limit; received: {Received}");
        }
    }

    /// <summary>Waits until the server closes the connection (FIN or reset); throws if it does not in time.</summary>
    public async Task ExpectClosedAsync(TimeSpan? timeout = null)
    {
        try
        {
            await _closed.Task.WaitAsync(timeout ?? TestClient.DefaultTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"the server did not close the connection; received: {Received}");
        }
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await _socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            {
                lock (_received) _received.Append(Encoding.UTF8.GetString(buffer, 0, read));
                _changed.Release();
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // reset, or disposed by the test
        }
        _closed.TrySetResult();
        _changed.Release();
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        await _reader;
    }
}
