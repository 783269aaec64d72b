using Xmpp.Common.Link;

namespace Xmpp.Common.Tests.Link;

/// <summary>
/// The router link's reconnect schedule (issue 20: a restarted router kept links down for seconds):
/// the first retries of an outage are fast, with jitter; only a long outage backs off, up to the cap.
/// </summary>
public sealed class LinkReconnectScheduleTests
{
    private static readonly RouterLinkOptions Defaults = new();

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(0.999)]
    public void The_first_retries_of_an_outage_wait_about_the_base_delay(double random)
    {
        for (var attempt = 0; attempt < Defaults.RetryFastAttempts; attempt++)
        {
            var delay = LinkReconnect.DelayFor(attempt, Defaults, random);
            Assert.InRange(delay, TimeSpan.FromMilliseconds(150), TimeSpan.FromMilliseconds(250));
        }
    }

    [Fact]
    public void A_router_back_within_two_seconds_is_re_linked_within_a_quarter_second_of_being_ready()
    {
        // The worst case: every retry as late as the jitter allows. Retries until the router is back
        // at 2 s, then one more: it comes at most one (jittered) base delay after.
        var at = TimeSpan.Zero;
        while (at < TimeSpan.FromSeconds(2)) at += LinkReconnect.DelayFor(0, Defaults, 0.999);
        Assert.True(at - TimeSpan.FromSeconds(2) <= TimeSpan.FromMilliseconds(250), $"re-linked at {at}");
        Assert.True(Defaults.RetryFastAttempts * Defaults.RetryBaseDelay.TotalSeconds * 0.75 >= 3, "the fast retries cover a restart of a few seconds");
    }

    [Fact]
    public void Repeated_failures_then_back_off_doubling_up_to_the_cap_and_never_beyond()
    {
        var fast = Defaults.RetryFastAttempts;
        Assert.Equal(TimeSpan.FromMilliseconds(400), LinkReconnect.DelayFor(fast, Defaults, 0.5));
        Assert.Equal(TimeSpan.FromMilliseconds(800), LinkReconnect.DelayFor(fast + 1, Defaults, 0.5));
        Assert.Equal(TimeSpan.FromMilliseconds(1600), LinkReconnect.DelayFor(fast + 2, Defaults, 0.5));
        var previous = TimeSpan.Zero;
        for (var attempt = fast; attempt < fast + 100; attempt++)
        {
            var nominal = LinkReconnect.DelayFor(attempt, Defaults, 0.5);
            Assert.True(nominal >= previous, $"retry {attempt}: {nominal} after {previous}");
            Assert.True(LinkReconnect.DelayFor(attempt, Defaults, 0.999) <= Defaults.RetryMaxDelay);
            previous = nominal;
        }
        Assert.Equal(Defaults.RetryMaxDelay, LinkReconnect.DelayFor(int.MaxValue, Defaults, 0.5));
        Assert.True(LinkReconnect.DelayFor(fast + 50, Defaults, 0.0) >= Defaults.RetryMaxDelay * 0.75, "the cap is jittered downwards too");
    }
}
