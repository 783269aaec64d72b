using System.Net;
using System.Net.Sockets;

namespace Xmpp.Integration.Tests.Harness;

public static class FreePort
{
    // Below Linux's ephemeral range (32768-60999): a port picked there can be taken by any
    // outgoing connection (a test client's, the router link's) before the server binds it.
    private const int First = 20000;
    private const int Last = 32000;
    private static readonly HashSet<int> Given = [];

    /// <summary>
    /// A TCP port on 127.0.0.1 that is free now, outside the ephemeral range, and not handed out
    /// before by this test run.
    /// </summary>
    public static int Pick()
    {
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var port = Random.Shared.Next(First, Last);
            lock (Given)
            {
                if (Given.Contains(port) || !IsFree(port)) continue;
                Given.Add(port);
                return port;
            }
        }
        throw new InvalidOperationException($"no free TCP port between {First} and {Last} after 1000 tries");
    }

    private static bool IsFree(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        finally
        {
            listener.Stop();
        }
    }
}
