using System.Net;

namespace Xmpp.Integration.Tests.Clients;

/// <summary>PROXY protocol v2 headers as a load balancer sends them (HAProxy's proxy-protocol.txt, 2.2), for tests.</summary>
public static class ProxyV2
{
    public static readonly byte[] Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary>A PROXY command over TCP/IPv4 from <paramref name="source"/> to <paramref name="destination"/>.</summary>
    public static byte[] Tcp4(IPEndPoint source, IPEndPoint destination) =>
    [
        .. Signature, 0x21, 0x11, 0x00, 12,
        .. source.Address.GetAddressBytes(), .. destination.Address.GetAddressBytes(),
        (byte)(source.Port >> 8), (byte)source.Port, (byte)(destination.Port >> 8), (byte)destination.Port,
    ];

    /// <summary>A LOCAL command (the proxy's own connection, e.g. a health check).</summary>
    public static byte[] Local() => [.. Signature, 0x20, 0x00, 0x00, 0x00];
}
