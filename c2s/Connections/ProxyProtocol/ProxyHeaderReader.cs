using System.Buffers;
using System.Net.Sockets;

namespace Xmpp.C2s.Connections.ProxyProtocol;

/// <summary>The outcome of reading a PROXY header off a socket: the header, or why there is none.</summary>
public readonly record struct ProxyReadOutcome(ProxyHeader? Header, string? Failure, string? Detail)
{
    public static ProxyReadOutcome Failed(string failure, string? detail = null) => new(null, failure, detail);
}

/// <summary>
/// Reads exactly one PROXY protocol v2 header from a new connection, never a byte of the client's
/// stream after it (it asks <see cref="ProxyHeaderParser"/> how many bytes it still needs), within
/// a time limit and a size limit. The failure names are the reason tag of the rejection counter.
/// </summary>
public static class ProxyHeaderReader
{
    public const string Timeout = "timeout";
    public const string Malformed = "malformed";
    public const string TooLong = "too-long";
    public const string Closed = "closed";

    public static async Task<ProxyReadOutcome> ReadAsync(Socket socket, int maxLength, TimeSpan timeout, CancellationToken stopping)
    {
        maxLength = Math.Max(maxLength, ProxyHeaderParser.FixedLength);
        var buffer = ArrayPool<byte>.Shared.Rent(maxLength);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        cts.CancelAfter(timeout);
        try
        {
            var have = 0;
            var need = ProxyHeaderParser.FixedLength;
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(have, need - have), SocketFlags.None, cts.Token);
                if (read == 0) return ProxyReadOutcome.Failed(Closed);
                have += read;
                var result = ProxyHeaderParser.Parse(buffer.AsSpan(0, have), maxLength);
                switch (result.Status)
                {
                    case ProxyParseStatus.Complete:
                        return new ProxyReadOutcome(result.Header, null, null);
                    case ProxyParseStatus.Invalid:
                        return ProxyReadOutcome.Failed(result.TooLong ? TooLong : Malformed, result.Error);
                    default:
                        need = result.Length;
                        break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return ProxyReadOutcome.Failed(stopping.IsCancellationRequested ? Closed : Timeout);
        }
        catch (SocketException e)
        {
            return ProxyReadOutcome.Failed(Closed, e.SocketErrorCode.ToString());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
