using System.Net;

namespace Xmpp.C2s.Connections.ProxyProtocol;

/// <summary>
/// What a PROXY protocol v2 header said. <see cref="Source"/> is the client's address when the
/// proxy relayed a TCP/IP connection (command PROXY, family INET or INET6); it is null for a LOCAL
/// connection (the proxy's own, e.g. a health check), for the UNSPEC and UNIX families, and then
/// the socket's peer stays the connection's address (as the specification asks).
/// </summary>
public sealed record ProxyHeader(ProxyCommand Command, ProxyAddressFamily Family, IPEndPoint? Source, IPEndPoint? Destination);

/// <summary>The low nibble of the 13th byte.</summary>
public enum ProxyCommand
{
    Local = 0,
    Proxy = 1,
}

/// <summary>The high nibble of the 14th byte.</summary>
public enum ProxyAddressFamily
{
    Unspecified = 0,
    Inet = 1,
    Inet6 = 2,
    Unix = 3,
}
