using System.Diagnostics;
using Xmpp.Bench.Faults;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>The fault runs' bookkeeping (tools/bench/Faults/FaultLedger.cs), without a server: every message written is counted once.</summary>
public sealed class FaultLedgerTests
{
    [Fact]
    public void Each_message_written_is_received_lost_after_ack_or_lost_unacknowledged()
    {
        var ledger = new FaultLedger(senders: 2, lateAfter: TimeSpan.FromSeconds(5));
        var t0 = Stopwatch.GetTimestamp();
        var late = t0 + 6 * Stopwatch.Frequency;
        for (var i = 0; i < 6; i++) ledger.Create(0, t0);
        ledger.Create(1, t0); // never written: unsent
        for (var i = 0; i < 6; i++) ledger.Written(0, i);

        ledger.Acked(0, 0); ledger.Received(0, 0, t0, rightReceiver: true);              // fine
        ledger.Acked(0, 1); ledger.Received(0, 1, t0, true); ledger.Received(0, 1, t0, true); // duplicated
        ledger.Acked(0, 2);                                                              // lost after ack
        ledger.Acked(0, 3); ledger.Bounced(0, 3);                                        // bounced after ack: lost too
        /* 4: written only */                                                            // lost unacknowledged
        ledger.Received(0, 5, late, rightReceiver: false);                               // late, misrouted, never acked
        ledger.Received(0, 99, t0, true);                                                // not one of ours
        ledger.Unknown();

        var c = ledger.Count();
        Assert.Equal(7, c.Created);
        Assert.Equal(1, c.Unsent);
        Assert.Equal(6, c.Sent);
        Assert.Equal(4, c.Acknowledged);
        Assert.Equal(3, c.Received);
        Assert.Equal(2, c.LostAcknowledged);
        Assert.Equal(1, c.LostUnacknowledged);
        Assert.Equal(1, c.Duplicated);
        Assert.Equal(1, c.Late);
        Assert.Equal(1, c.Bounced);
        Assert.Equal(1, c.Misrouted);
        Assert.Equal(2, c.Unknown);
        Assert.Equal(c.Sent, c.Received + c.LostAcknowledged + c.LostUnacknowledged);
        Assert.False(ledger.Settled());
    }

    [Fact]
    public void A_run_is_settled_once_every_written_message_is_acknowledged_and_received_or_bounced()
    {
        var ledger = new FaultLedger(1, TimeSpan.FromSeconds(5));
        var t0 = Stopwatch.GetTimestamp();
        ledger.Create(0, t0); ledger.Create(0, t0); ledger.Create(0, t0);
        ledger.Written(0, 0); ledger.Written(0, 1);
        Assert.False(ledger.Settled());
        ledger.Acked(0, 0); ledger.Received(0, 0, t0, true);
        ledger.Acked(0, 1);
        Assert.False(ledger.Settled());
        ledger.Bounced(0, 1);
        Assert.True(ledger.Settled()); // message 2 was never written: nothing to wait for
    }

    [Theory]
    [InlineData("ab12 3 17 123456", true, 3, 17)]
    [InlineData("zz99 3 17 123456", false, -1, -1)]
    [InlineData("ab12 3 17", false, -1, -1)]
    [InlineData("ab12 -3 17 1", false, -1, -1)]
    public void A_body_names_its_run_pair_and_number(string body, bool ok, int pair, long seq)
    {
        Assert.Equal(ok, FaultClient.TryParseBody(body, "ab12", out var p, out var n));
        if (ok) { Assert.Equal(pair, p); Assert.Equal(seq, n); }
    }
}
