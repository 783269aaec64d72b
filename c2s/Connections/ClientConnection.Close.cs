using System.Buffers;
using System.Net.Sockets;
using Xmpp.C2s.Protocol;

namespace Xmpp.C2s.Connections;

/// <summary>
/// The end of a connection (RFC 6120 §4.4): what is queued is written (the stream error and
/// &lt;/stream:stream&gt; last), then, unless the client has closed already, c2s ends its side
/// (TLS close_notify, TCP half-close) and reads on until the client's closing tag or the end of
/// its connection, at most C2s:CloseTimeout, before closing the socket. Closing at once, with
/// client data still unread, would make the kernel reset the connection and the client could
/// lose the stream error it was just sent. A client that does not read within C2s:CloseTimeout
/// is cut off, and what sm sent for it that was not written goes back to sm.
/// </summary>
public sealed partial class ClientConnection
{
    private bool _closeNotifySent;
    private volatile bool _peerClosed; // the client closed its stream or its connection (or the connection broke)

    private async Task CloseStreamAsync()
    {
        FinishOutput();
        var drained = await OutputDrainedAsync(_options.CloseTimeout);
        if (!drained)
        {
            _logger.LogInformation("Connection {Id}: the client did not take its output within {Timeout}; closing the connection", Id, _options.CloseTimeout);
            AbortSocket(); // the pending write fails; the pump takes back what it held
            await OutputDrainedAsync(_options.CloseTimeout);
        }
        ReturnUndelivered();
        EndSmSession();
        if (drained && !_peerClosed) await AwaitClientCloseAsync();
    }

    /// <summary>Ends our side and reads (discarding) until the client's closing tag, its end of the connection, or the timeout.</summary>
    private async Task AwaitClientCloseAsync()
    {
        using var timeout = new CancellationTokenSource(_options.CloseTimeout);
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            if (_tls is { } tls)
            {
                _closeNotifySent = true; // CloseTlsAsync need not send it again
                await Tls.TlsStreams.ShutdownAsync(tls).WaitAsync(timeout.Token);
            }
            _socket.Shutdown(SocketShutdown.Send);
            var scanner = new ClosingTagScanner();
            while (true)
            {
                var read = await Transport.ReadAsync(buffer, timeout.Token);
                if (read == 0 || scanner.Feed(buffer.AsSpan(0, read))) return;
            }
        }
        catch (OperationCanceledException)
        {
            _logger.LogDebug("Connection {Id}: no closing tag from the client within {Timeout}", Id, _options.CloseTimeout);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException or NotSupportedException
                                      or System.Security.Authentication.AuthenticationException)
        {
            // the connection is gone already
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void AbortSocket()
    {
        try
        {
            _socket.Dispose();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // already gone
        }
    }
}
