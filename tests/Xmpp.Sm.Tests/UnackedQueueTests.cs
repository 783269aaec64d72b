using Google.Protobuf;
using Xmpp.Protos;
using Xmpp.Sm.StreamManagement;

namespace Xmpp.Sm.Tests;

/// <summary>XEP-0198 counting in sm, without sockets or frames: the unacknowledged queue and the inbound count, with h wrapping at 2^32.</summary>
public sealed class UnackedQueueTests
{
    private static Packet P(int bytes) => new() { Kind = "message", Stanza = ByteString.CopyFrom(new byte[bytes]) };

    [Fact]
    public void Stanzas_are_numbered_from_one_and_an_ack_drops_what_it_covers()
    {
        var q = new UnackedQueue();
        Assert.Equal(1u, q.Push(P(10)));
        Assert.Equal(2u, q.Push(P(20)));
        Assert.Equal(3u, q.Push(P(30)));
        Assert.Equal(60, q.Bytes);

        Assert.Equal(UnackedQueue.AckResult.Ok, q.Ack(2));
        Assert.Equal(3u, Assert.Single(q.Pending).SmSeq);
        Assert.Equal(30, q.Bytes);
        Assert.Equal(2u, q.Acked);
    }

    [Fact]
    public void An_old_h_changes_nothing_and_one_beyond_what_was_sent_acknowledges_everything()
    {
        var q = new UnackedQueue();
        q.Push(P(1));
        q.Push(P(1));
        q.Ack(2);
        q.Push(P(1));
        Assert.Equal(UnackedQueue.AckResult.Stale, q.Ack(1));
        Assert.Single(q.Pending);
        Assert.Equal(UnackedQueue.AckResult.TooHigh, q.Ack(9));
        Assert.Empty(q.Pending);
        Assert.Equal(3u, q.Acked);
        Assert.Equal(0, q.Bytes);
    }

    [Fact]
    public void Numbers_and_acks_wrap_at_2_to_the_32()
    {
        var q = new UnackedQueue(uint.MaxValue - 1);
        Assert.Equal(uint.MaxValue, q.Push(P(1)));
        Assert.Equal(0u, q.Push(P(1)));   // 2^32 wraps to 0 (XEP-0198 §5)
        Assert.Equal(1u, q.Push(P(1)));
        Assert.Equal(UnackedQueue.AckResult.Ok, q.Ack(uint.MaxValue));
        Assert.Equal([0u, 1u], q.Pending.Select(p => p.SmSeq));
        Assert.Equal(UnackedQueue.AckResult.Ok, q.Ack(0));
        Assert.Equal(1u, Assert.Single(q.Pending).SmSeq);
        Assert.Equal(UnackedQueue.AckResult.Stale, q.Ack(uint.MaxValue)); // behind 0, after the wrap
        Assert.Equal(UnackedQueue.AckResult.Ok, q.Ack(1));
        Assert.Empty(q.Pending);
    }

    [Fact]
    public void The_inbound_count_takes_the_next_stanza_only_and_wraps()
    {
        var s = new SessionStream("id", TimeSpan.FromMinutes(5));
        Assert.Equal(SessionStream.Take.Next, s.TakeInbound(1));
        Assert.Equal(SessionStream.Take.Duplicate, s.TakeInbound(1));
        Assert.Equal(SessionStream.Take.Gap, s.TakeInbound(3));
        Assert.Equal(1u, s.Inbound);
        Assert.Equal(SessionStream.Take.Next, s.TakeInbound(2));
        Assert.Equal(2u, s.Inbound);
    }

    [Fact]
    public void The_inbound_count_goes_on_across_the_wrap()
    {
        var s = new SessionStream(null, TimeSpan.Zero, inbound: uint.MaxValue - 1);
        Assert.Equal(SessionStream.Take.Next, s.TakeInbound(uint.MaxValue));
        Assert.Equal(SessionStream.Take.Next, s.TakeInbound(0));
        Assert.Equal(SessionStream.Take.Duplicate, s.TakeInbound(uint.MaxValue));
        Assert.Equal(SessionStream.Take.Gap, s.TakeInbound(2));
        Assert.Equal(0u, s.Inbound);
    }
}
