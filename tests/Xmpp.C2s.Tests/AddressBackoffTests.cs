using System.Net;
using Xmpp.C2s;
using Xmpp.C2s.Sasl;

namespace Xmpp.C2s.Tests;

/// <summary>Failed SASL attempts per client address: which addresses count together, and the growing hold-back.</summary>
public sealed class AddressBackoffTests
{
    [Fact]
    public void Ipv4_counts_per_address_mapped_ipv4_as_ipv4_and_ipv6_per_64()
    {
        Assert.Equal("127.0.0.1", AddressBackoff.KeyOf(IPAddress.Parse("127.0.0.1")));
        Assert.Equal("127.0.0.1", AddressBackoff.KeyOf(IPAddress.Parse("::ffff:127.0.0.1")));
        Assert.Equal(AddressBackoff.KeyOf(IPAddress.Parse("2001:db8:1:2:aaaa::1")), AddressBackoff.KeyOf(IPAddress.Parse("2001:db8:1:2:bbbb::2")));
        Assert.NotEqual(AddressBackoff.KeyOf(IPAddress.Parse("2001:db8:1:2::1")), AddressBackoff.KeyOf(IPAddress.Parse("2001:db8:1:3::1")));
    }

    [Fact]
    public void Failures_beyond_the_free_ones_are_held_back_ever_longer_per_address()
    {
        var backoff = new AddressBackoff(new C2sOptions { AuthIpFreeFailures = 2, AuthIpBackoff = TimeSpan.FromSeconds(1), AuthIpMaxBackoff = TimeSpan.FromSeconds(3) });
        var guesser = IPAddress.Parse("192.0.2.1");
        var delays = Enumerable.Range(0, 6).Select(_ => backoff.Fail(guesser).TotalSeconds).ToArray();
        Assert.Equal([0, 0, 1, 2, 3, 3], delays);
        Assert.Equal(TimeSpan.Zero, backoff.Fail(IPAddress.Parse("192.0.2.2")));
    }
}
