using System.Net.Sockets;
using System.Text;
using Xmpp.C2s.Protocol;
using Xmpp.Common.Xml;

namespace Xmpp.C2s.Limits;

/// <summary>
/// Refuses a new client connection over a limit before any stream: the server's stream header, a
/// &lt;policy-violation/&gt; stream error with a text, and the closing tag (RFC 6120 §4.9.1.1: the
/// header first, even before the client's), then a half-close; the socket is kept until the client
/// closes or <c>linger</c> passes, reading and discarding what it sends, so the client reads the
/// error instead of a reset.
/// </summary>
public static class ConnectionRefusal
{
    public const string TooManyOpenText = "too many connections from your address";
    public const string TooFastText = "too many new connections from your address; try again later";
    public const string BusyText = "the server is refusing new addresses for now; try again later";

    private static readonly byte[] Discard = new byte[1024]; // read into and never looked at, shared

    public static byte[] Message(string domain, string text) =>
        Encoding.UTF8.GetBytes(StreamPreamble.Header(domain, Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)).ToLowerInvariant())
            + StreamErrors.Render(StreamErrors.PolicyViolation, text) + StreamPreamble.Close);

    public static async Task RefuseAsync(Socket socket, byte[] message, TimeSpan linger, CancellationToken stopping)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        cts.CancelAfter(linger);
        try
        {
            await socket.SendAsync(message, SocketFlags.None, cts.Token);
            socket.Shutdown(SocketShutdown.Send);
            while (await socket.ReceiveAsync(Discard, SocketFlags.None, cts.Token) > 0)
            {
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // the client did not close within the linger time, or is gone
        }
        finally
        {
            socket.Dispose();
        }
    }
}
