using Google.Protobuf;
using Xmpp.C2s.Protocol;
using Xmpp.Protos;

namespace Xmpp.C2s.Tests;

/// <summary>XEP-0352 hold-back: the latest presence per sender, in order, bounded in bytes; anything else releases it.</summary>
public sealed class CsiHoldTests
{
    private static Packet P(string kind, string type, string from, string text) =>
        new() { Kind = kind, Type = type, StanzaFrom = from, Stanza = ByteString.CopyFromUtf8(text) };

    [Fact]
    public void Presence_updates_are_held_keeping_only_the_latest_per_sender_in_arrival_order()
    {
        var hold = new CsiHold(1024);
        Assert.Equal(CsiHold.Outcome.Held, hold.Offer(P("presence", "", "romeo@l/a", "<presence>away</presence>")));
        Assert.Equal(CsiHold.Outcome.Held, hold.Offer(P("presence", "", "mercutio@l/b", "<presence>m</presence>")));
        Assert.Equal(CsiHold.Outcome.Replaced, hold.Offer(P("presence", "", "romeo@l/a", "<presence>dnd</presence>")));
        Assert.Equal(CsiHold.Outcome.Held, hold.Offer(P("presence", "unavailable", "tybalt@l/c", "<presence type='unavailable'/>")));

        var all = hold.TakeAll();
        Assert.Equal(["<presence>m</presence>", "<presence>dnd</presence>", "<presence type='unavailable'/>"], all.Select(p => p.Stanza.ToStringUtf8()));
        Assert.Equal((0, 0, 1L), (hold.Count, hold.Bytes, hold.Superseded));
    }

    [Fact]
    public void With_stream_management_nothing_is_superseded_every_numbered_presence_goes_out_in_order()
    {
        var hold = new CsiHold(1024, supersede: false);
        Assert.Equal(CsiHold.Outcome.Held, hold.Offer(P("presence", "", "romeo@l/a", "<presence>away</presence>")));
        Assert.Equal(CsiHold.Outcome.Held, hold.Offer(P("presence", "", "romeo@l/a", "<presence>dnd</presence>")));
        Assert.Equal(["<presence>away</presence>", "<presence>dnd</presence>"], hold.TakeAll().Select(p => p.Stanza.ToStringUtf8()));
        Assert.Equal(0L, hold.Superseded);
    }

    [Theory]
    [InlineData("message", "chat")]
    [InlineData("iq", "set")]
    [InlineData("presence", "subscribe")]
    [InlineData("presence", "error")]
    public void Messages_iqs_and_subscription_stanzas_are_never_held(string kind, string type)
    {
        var hold = new CsiHold(1024);
        hold.Offer(P("presence", "", "romeo@l/a", "<presence/>"));
        Assert.Equal(CsiHold.Outcome.Flush, hold.Offer(P(kind, type, "romeo@l/a", "<x/>")));
        Assert.Equal(1, hold.Count); // the caller takes what is held and sends it first
    }

    [Fact]
    public void A_presence_that_would_pass_the_byte_bound_releases_everything_instead()
    {
        var hold = new CsiHold(40);
        Assert.Equal(CsiHold.Outcome.Held, hold.Offer(P("presence", "", "a@l/1", new string('x', 30))));
        Assert.Equal(CsiHold.Outcome.Flush, hold.Offer(P("presence", "", "b@l/1", new string('y', 20))));
        Assert.Equal(30, hold.Bytes);
        // a replacement is measured without the presence it replaces
        Assert.Equal(CsiHold.Outcome.Replaced, hold.Offer(P("presence", "", "a@l/1", new string('z', 40))));
    }
}
