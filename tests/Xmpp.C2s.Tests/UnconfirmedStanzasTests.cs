using Google.Protobuf;
using Xmpp.C2s.Protocol;
using Xmpp.Protos;

namespace Xmpp.C2s.Tests;

/// <summary>The client's stanzas c2s keeps until sm confirms them, to send again what the router link lost (no sockets).</summary>
public sealed class UnconfirmedStanzasTests
{
    private static Frame Numbered(uint seq, int bytes = 10) =>
        new() { Packet = new Packet { SmSeq = seq, Kind = "message", Stanza = ByteString.CopyFrom(new byte[bytes]) } };

    private static List<uint> Seqs(IEnumerable<Frame>? frames) => frames!.Select(f => f.Packet.SmSeq).ToList();

    [Fact]
    public void What_sm_lacks_after_its_h_comes_back_in_order_and_a_confirmation_forgets_what_it_covers()
    {
        var kept = new UnconfirmedStanzas(1_000_000);
        for (uint i = 1; i <= 5; i++) Assert.True(kept.Add(Numbered(i)));
        Assert.Equal([3u, 4u, 5u], Seqs(kept.After(2)));
        Assert.Equal(3, kept.Count); // 1 and 2 confirmed by the h
        Assert.Equal([4u], Seqs(kept.After(3, upTo: 4))); // a confirmation: only what was sent before the request
        kept.Confirm(5);
        Assert.Equal(0, kept.Count);
        Assert.Equal(0, kept.Bytes);
        Assert.Empty(kept.After(5)!);
    }

    [Fact]
    public void Past_the_byte_bound_the_oldest_are_forgotten_and_a_loss_reaching_them_cannot_be_repaired()
    {
        var kept = new UnconfirmedStanzas(3 * (100 + 64));
        for (uint i = 1; i <= 3; i++) Assert.True(kept.Add(Numbered(i, 100)));
        Assert.False(kept.Add(Numbered(4, 100))); // #1 forgotten
        Assert.Equal(3, kept.Count);
        Assert.Null(kept.After(0)); // sm lacks #1: gone
        Assert.Equal([2u, 3u, 4u], Seqs(kept.After(1))); // sm has #1: repairable
    }

    [Fact]
    public void Numbers_wrap_at_two_to_the_32()
    {
        var kept = new UnconfirmedStanzas(1_000_000);
        kept.Rebase(uint.MaxValue - 1);
        foreach (var seq in new[] { uint.MaxValue, 0u, 1u }) kept.Add(Numbered(seq));
        Assert.Equal([0u, 1u], Seqs(kept.After(uint.MaxValue)));
        Assert.Equal([1u], Seqs(kept.After(0)));
    }

    [Fact]
    public void A_rebase_for_a_new_sm_forgets_what_it_counts_as_taken()
    {
        var kept = new UnconfirmedStanzas(1_000_000);
        for (uint i = 1; i <= 4; i++) kept.Add(Numbered(i));
        kept.Rebase(3);
        Assert.Equal(3u, kept.Confirmed);
        Assert.Equal([4u], Seqs(kept.After(3)));
    }
}
