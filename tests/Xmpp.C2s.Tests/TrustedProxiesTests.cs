using System.Net;
using Xmpp.C2s.Connections.ProxyProtocol;

namespace Xmpp.C2s.Tests;

public sealed class TrustedProxiesTests
{
    [Fact]
    public void Single_addresses_and_networks_match_and_nothing_else_does()
    {
        var trusted = new TrustedProxies(["127.0.0.1", "172.30.0.0/24, 2001:db8::/32"]);

        Assert.True(trusted.Contains(IPAddress.Parse("127.0.0.1")));
        Assert.True(trusted.Contains(IPAddress.Parse("::ffff:127.0.0.1"))); // seen on a dual-mode socket
        Assert.False(trusted.Contains(IPAddress.Parse("127.0.0.2")));
        Assert.True(trusted.Contains(IPAddress.Parse("172.30.0.10")));
        Assert.False(trusted.Contains(IPAddress.Parse("172.30.1.10")));
        Assert.True(trusted.Contains(IPAddress.Parse("2001:db8:5::1")));
        Assert.False(trusted.Contains(IPAddress.Parse("2001:db9::1")));
    }

    [Fact]
    public void Empty_means_off_and_a_bad_entry_stops_the_start()
    {
        Assert.True(new TrustedProxies([]).IsEmpty);
        Assert.False(new TrustedProxies([]).Contains(IPAddress.Loopback));
        Assert.Throws<FormatException>(() => new TrustedProxies(["haproxy"]));
    }
}
