using System.Net;

namespace Xmpp.C2s.Connections.ProxyProtocol;

/// <summary>
/// The addresses (single IPs or CIDR networks, C2s:ProxyProtocol:TrustedProxies) whose connections
/// must start with a PROXY protocol v2 header. Empty: nobody, the protocol is off.
/// </summary>
public sealed class TrustedProxies
{
    private readonly IPNetwork[] _networks;

    public TrustedProxies(IEnumerable<string> entries)
    {
        var networks = new List<IPNetwork>();
        foreach (var entry in entries.SelectMany(e => e.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (IPNetwork.TryParse(entry, out var network)) networks.Add(network);
            else if (IPAddress.TryParse(entry, out var address))
            {
                address = Normalize(address);
                networks.Add(new IPNetwork(address, address.GetAddressBytes().Length * 8));
            }
            else throw new FormatException($"C2s:ProxyProtocol:TrustedProxies: '{entry}' is neither an IP address nor a CIDR network");
        }
        _networks = networks.ToArray();
    }

    public bool IsEmpty => _networks.Length == 0;

    public bool Contains(IPAddress address)
    {
        address = Normalize(address);
        foreach (var network in _networks)
            if (network.Contains(address)) return true;
        return false;
    }

    /// <summary>An IPv4 address seen on a dual-mode socket (::ffff:a.b.c.d) as the IPv4 address it is.</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public override string ToString() => string.Join(", ", _networks);
}
