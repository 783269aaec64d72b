using System.Net;
using Xmpp.C2s.Limits;

namespace Xmpp.C2s.Tests;

/// <summary>The per-address limiter as pure logic: the test passes the time.</summary>
public sealed class ConnectionLimiterTests
{
    private static readonly IPAddress A = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress B = IPAddress.Parse("192.0.2.2");
    private static long Seconds(double s) => (long)(s * TimeSpan.TicksPerSecond);

    [Fact]
    public void The_burst_is_admitted_then_the_rate_refills_it()
    {
        var limiter = new ConnectionLimiter(new ConnectionLimits(PerSecond: 10, Burst: 20, MaxOpen: 0, MaxTracked: 100, Ipv6PrefixLength: 64));
        for (var i = 0; i < 20; i++) Assert.Equal(Admission.Admitted, limiter.TryAdmit(A, 0));
        Assert.Equal(Admission.TooFast, limiter.TryAdmit(A, 0));
        Assert.Equal(Admission.Admitted, limiter.TryAdmit(B, 0)); // another address has its own bucket

        Assert.Equal(Admission.TooFast, limiter.TryAdmit(A, Seconds(0.05))); // half a token
        Assert.Equal(Admission.Admitted, limiter.TryAdmit(A, Seconds(0.1)));
        Assert.Equal(Admission.TooFast, limiter.TryAdmit(A, Seconds(0.1)));
        for (var i = 0; i < 20; i++) Assert.Equal(Admission.Admitted, limiter.TryAdmit(A, Seconds(10)));
        Assert.Equal(Admission.TooFast, limiter.TryAdmit(A, Seconds(10))); // the bucket holds no more than the burst
    }

    [Fact]
    public void Open_connections_are_limited_per_address_and_released_on_close()
    {
        var limiter = new ConnectionLimiter(new ConnectionLimits(PerSecond: 0, Burst: 1, MaxOpen: 2, MaxTracked: 100, Ipv6PrefixLength: 64));
        Assert.Equal(Admission.Admitted, limiter.TryAdmit(A, 0));
        Assert.Equal(Admission.Admitted, limiter.TryAdmit(A, 0));
        Assert.Equal(Admission.TooManyOpen, limiter.TryAdmit(A, 0));
        Assert.Equal(Admission.Admitted, limiter.TryAdmit(B, 0));

        limiter.Release(A);
        Assert.Equal(1, limiter.OpenFrom(A));
        Assert.Equal(Admission.Admitted, limiter.TryAdmit(A, 0));
    }

    [Fact]
    public void A_refused_connection_costs_no_token()
    {
        var limiter = new ConnectionLimiter(new ConnectionLimits(PerSecond: 1, Burst: 2, MaxOpen: 1, MaxTracked: 100, Ipv6PrefixLength: 64));
        Assert.Equal(Admission.Admitted, limiter.TryAdmit(A, 0));
        for (var i = 0; i < 5; i++) Assert.Equal(Admission.TooManyOpen, limiter.TryAdmit(A, 0));
        limiter.Release(A);
        Assert.Equal(Admission.Admitted, limiter.TryAdmit(A, 0)); // the second token of the burst is still there
    }

    [Fact]
    public void Ipv6_addresses_count_per_prefix_and_mapped_ipv4_as_ipv4()
    {
        var limiter = new ConnectionLimiter(new ConnectionLimits(PerSecond: 0, Burst: 1, MaxOpen: 1, MaxTracked: 100, Ipv6PrefixLength: 64));
        Assert.Equal(Admission.Admitted, limiter.TryAdmit(IPAddress.Parse("2001:db8:1:2::1"), 0));
        Assert.Equal(Admission.TooManyOpen, limiter.TryAdmit(IPAddress.Parse("2001:db8:1:2:ffff::9"), 0)); // same /64
        Assert.Equal(Admission.Admitted, limiter.TryAdmit(IPAddress.Parse("2001:db8:1:3::1"), 0));

        Assert.Equal(Admission.Admitted, limiter.TryAdmit(A, 0));
        Assert.Equal(Admission.TooManyOpen, limiter.TryAdmit(A.MapToIPv6(), 0));
    }

    [Fact]
    public void Memory_is_bounded_idle_addresses_are_forgotten_and_a_full_table_refuses_new_ones()
    {
        var limiter = new ConnectionLimiter(new ConnectionLimits(PerSecond: 10, Burst: 20, MaxOpen: 50, MaxTracked: 3, Ipv6PrefixLength: 64));
        var addresses = Enumerable.Range(1, 4).Select(i => IPAddress.Parse($"198.51.100.{i}")).ToArray();
        for (var i = 0; i < 3; i++) Assert.Equal(Admission.Admitted, limiter.TryAdmit(addresses[i], 0));
        Assert.Equal(Admission.TooManyAddresses, limiter.TryAdmit(addresses[3], 0)); // three are open: none can be forgotten
        Assert.Equal(3, limiter.Tracked);

        limiter.Release(addresses[0]);
        limiter.Release(addresses[1]);
        // after the buckets refilled (one token: 0.1 s) the closed addresses are no different from new ones
        Assert.Equal(Admission.Admitted, limiter.TryAdmit(addresses[3], Seconds(6)));
        Assert.Equal(2, limiter.Tracked); // addresses[2] (still open) and addresses[3]
    }

    [Fact]
    public void Zero_turns_the_limits_off()
    {
        var limiter = new ConnectionLimiter(new ConnectionLimits(PerSecond: 0, Burst: 1, MaxOpen: 0, MaxTracked: 0, Ipv6PrefixLength: 64));
        for (var i = 0; i < 10_000; i++) Assert.Equal(Admission.Admitted, limiter.TryAdmit(A, 0));
    }
}
