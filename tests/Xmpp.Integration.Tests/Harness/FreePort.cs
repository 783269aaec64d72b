using System.Net;
using System.Net.Sockets;

namespace Xmpp.Integration.Tests.Harness;

public static class FreePort
{
    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, release it).</summary>
    public static int Pick()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try { return ((IPEndPoint)listener.LocalEndpoint).Port; }
        finally { listener.Stop(); }
    }
}
