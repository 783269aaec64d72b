using System.Net;
using Xmpp.Common.Sasl;

namespace Xmpp.C2s.Sasl;

/// <summary>
/// Failed SASL attempts per client address on this frontend, across connections
/// (C2s:AuthIp* settings): after the free ones, each further failure's &lt;failure/&gt; answer is
/// held back for a back-off that doubles with every failure. Successful logins are never delayed,
/// so users sharing an address (NAT) with a guesser still get in. IPv6 addresses count per /64,
/// the block one host usually holds.
/// </summary>
public sealed class AddressBackoff(C2sOptions options, TimeProvider? clock = null)
{
    private readonly FailureBackoff _failures = new(new BackoffSettings(options.AuthIpFreeFailures, options.AuthIpBackoff,
        options.AuthIpMaxBackoff, options.AuthIpForgetAfter, options.AuthIpMaxTracked), clock);

    /// <summary>Records a failed attempt from <paramref name="address"/> and returns how long its answer is to be held back.</summary>
    public TimeSpan Fail(IPAddress address) => _failures.Fail(KeyOf(address));

    /// <summary>Addresses remembered.</summary>
    public int Count => _failures.Count;

    public static string KeyOf(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
