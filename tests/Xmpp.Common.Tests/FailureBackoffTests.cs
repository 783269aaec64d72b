using Xmpp.Common.Sasl;

namespace Xmpp.Common.Tests;

/// <summary>The growing back-off behind the per-address (c2s) and per-account (sm) SASL limits.</summary>
public sealed class FailureBackoffTests
{
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private readonly ManualClock _clock = new();

    private FailureBackoff Backoff(int free = 3, int maxTracked = 1000) =>
        new(new BackoffSettings(free, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(15), maxTracked), _clock);

    [Fact]
    public void Free_failures_have_no_backoff_then_it_doubles_up_to_the_maximum()
    {
        var b = Backoff();
        var delays = Enumerable.Range(1, 9).Select(_ => b.Fail("k").TotalSeconds).ToArray();
        Assert.Equal([0, 0, 0, 1, 2, 4, 8, 10, 10], delays);
    }

    [Fact]
    public void Remaining_runs_out_and_keys_are_independent()
    {
        var b = Backoff(free: 0);
        Assert.Equal(TimeSpan.FromSeconds(1), b.Fail("a"));
        Assert.Equal(TimeSpan.FromSeconds(1), b.Remaining("a"));
        Assert.Equal(TimeSpan.Zero, b.Remaining("b"));
        _clock.Now += TimeSpan.FromMilliseconds(600);
        Assert.Equal(TimeSpan.FromMilliseconds(400), b.Remaining("a"));
        _clock.Now += TimeSpan.FromSeconds(1);
        Assert.Equal(TimeSpan.Zero, b.Remaining("a"));
    }

    [Fact]
    public void Success_and_a_quiet_period_forget_the_failures()
    {
        var b = Backoff(free: 1);
        b.Fail("a");
        Assert.Equal(TimeSpan.FromSeconds(1), b.Fail("a"));
        b.Succeed("a");
        Assert.Equal(TimeSpan.Zero, b.Fail("a"));

        b.Fail("a");
        _clock.Now += TimeSpan.FromMinutes(16);
        Assert.Equal(TimeSpan.Zero, b.Fail("a")); // counting starts again
    }

    [Fact]
    public void Memory_is_bounded_and_the_least_recently_failed_go_first()
    {
        var b = Backoff(free: 0, maxTracked: 100);
        for (var i = 0; i < 1000; i++)
        {
            _clock.Now += TimeSpan.FromMilliseconds(1);
            b.Fail("k" + i);
        }
        Assert.InRange(b.Count, 1, 100);
        Assert.True(b.Remaining("k999") > TimeSpan.Zero);
        Assert.Equal(TimeSpan.Zero, b.Remaining("k0"));
    }
}
