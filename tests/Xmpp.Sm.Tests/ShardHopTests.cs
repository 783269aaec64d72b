using Xmpp.Common.Shards;
using Xmpp.Protos;
using Xmpp.Sm.Core;
using static Xmpp.Sm.Tests.SmHarness;

namespace Xmpp.Sm.Tests;

/// <summary>
/// sm shards without sockets: two session managers as shards sm-1 and sm-2 (each with its own store
/// here, the accounts created in both), the hops between them carried by the test as the router would.
/// </summary>
public sealed class ShardHopTests : IDisposable
{
    private readonly SmHarness _one = new(o => o.Shard = "sm-1");
    private readonly SmHarness _two = new(o => o.Shard = "sm-2");
    private readonly string _alice = OwnedBy("alice", "sm-1");
    private readonly string _bob = OwnedBy("bob", "sm-2");

    public ShardHopTests()
    {
        _one.Handle(Up("sm/localhost#sm-2", true));
        _two.Handle(Up("sm/localhost#sm-1", true));
        foreach (var h in new[] { _one, _two })
        {
            h.CreateUser(_alice);
            h.CreateUser(_bob);
        }
    }

    public void Dispose()
    {
        _one.Dispose();
        _two.Dispose();
    }

    [Fact]
    public void A_message_for_another_shards_user_is_handed_to_it_delivered_there_and_confirmed()
    {
        var alice = _one.Online($"{_alice}@localhost/phone");
        var bob = _two.Online($"{_bob}@localhost/pc", c2s: C2s2);

        var sent = _one.Send(alice, $"<message to='{_bob}@localhost' type='chat' id='m1'><body>hi</body></message>");

        var hop = Assert.Single(sent);
        Assert.Equal("sm/localhost", hop.To); // the router gives it to bob's owner
        Assert.Equal(ShardHop.Types.Kind.Deliver, hop.Packet.Hop.Kind);
        Assert.Equal($"{_bob}@localhost", hop.Packet.StanzaTo);
        Assert.Empty(StanzasTo(sent, bob));

        hop.From = "sm/localhost#sm-1";
        var delivered = _two.Handle(hop);
        var message = SingleStanzaTo(delivered, bob);
        Assert.Equal($"{_alice}@localhost/phone", (string?)message.Attribute("from"));

        var ack = Assert.Single(_two.Handle(SessionManager.TickFrame), f => f.Packet?.Hop?.Kind == ShardHop.Types.Kind.Ack);
        Assert.Equal("sm/localhost#sm-1", ack.To);
        Assert.Equal(hop.Packet.Hop.Seq, ack.Packet.Hop.Seq);
    }

    [Fact]
    public void An_error_for_a_sender_on_another_shard_goes_back_to_that_shard()
    {
        var alice = _one.Online($"{_alice}@localhost/phone");
        var hop = Assert.Single(_one.Send(alice, $"<message to='{_bob}@localhost/gone' id='m2'><body>x</body></message>"));
        hop.From = "sm/localhost#sm-1";

        var back = Assert.Single(_two.Handle(hop));
        Assert.Equal(ShardHop.Types.Kind.Deliver, back.Packet.Hop.Kind);
        Assert.Equal($"{_alice}@localhost/phone", back.Packet.StanzaTo);
        back.From = "sm/localhost#sm-2";
        var error = SingleStanzaTo(_one.Handle(back), alice);
        Assert.Equal("service-unavailable", ErrorCondition(error));
    }

    [Fact]
    public void The_recipients_other_resources_get_received_carbons_on_the_recipients_shard()
    {
        var alice = _one.Online($"{_alice}@localhost/phone");
        var bobPc = _two.Online($"{_bob}@localhost/pc", c2s: C2s2);
        var bobPhone = _two.Online($"{_bob}@localhost/phone");
        _two.Send(bobPhone, "<iq type='set' id='c1'><enable xmlns='urn:xmpp:carbons:2'/></iq>");

        var hop = Assert.Single(_one.Send(alice, $"<message to='{_bob}@localhost/pc' type='chat'><body>hi</body></message>"));
        hop.From = "sm/localhost#sm-1";
        var frames = _two.Handle(hop);

        SingleStanzaTo(frames, bobPc);
        var carbon = SingleStanzaTo(frames, bobPhone);
        Assert.NotNull(carbon.Element(System.Xml.Linq.XName.Get("received", "urn:xmpp:carbons:2")));
    }

    [Fact]
    public void Hops_a_shard_did_not_confirm_are_sent_again_when_it_goes_down()
    {
        var alice = _one.Online($"{_alice}@localhost/phone");
        var first = Assert.Single(_one.Send(alice, $"<message to='{_bob}@localhost' type='chat'><body>hi</body></message>"));

        var again = Assert.Single(_one.Handle(Up("sm/localhost#sm-2", false)), f => f.Packet?.Hop is not null);
        Assert.Equal(first.Packet.Stanza, again.Packet.Stanza);
        Assert.Equal("sm/localhost", again.To);
        Assert.NotEqual(first.Packet.Hop.Seq, again.Packet.Hop.Seq);
    }

    [Fact]
    public void A_confirmed_hop_is_not_sent_again()
    {
        var alice = _one.Online($"{_alice}@localhost/phone");
        var hop = Assert.Single(_one.Send(alice, $"<message to='{_bob}@localhost' type='chat'><body>hi</body></message>"));
        _one.Handle(new Frame { From = "sm/localhost#sm-2", To = "sm/localhost#sm-1", Packet = new Packet { Hop = new ShardHop { Kind = ShardHop.Types.Kind.Ack, Seq = hop.Packet.Hop.Seq } } });

        Assert.DoesNotContain(_one.Handle(Up("sm/localhost#sm-2", false)), f => f.Packet?.Hop is not null);
    }

    [Fact]
    public void A_hop_that_does_not_come_from_a_shard_is_not_taken_as_one()
    {
        var bob = _two.Online($"{_bob}@localhost/pc", c2s: C2s2);
        var forged = new Frame
        {
            From = C2s1, To = "sm/localhost",
            Packet = new Packet
            {
                Kind = "message", Type = "chat", StanzaTo = $"{_bob}@localhost", StanzaFrom = "mallory@localhost/x",
                Stanza = Google.Protobuf.ByteString.CopyFromUtf8($"<message xmlns='jabber:client' to='{_bob}@localhost' from='mallory@localhost/x' type='chat'><body>x</body></message>"),
                Hop = new ShardHop { Kind = ShardHop.Types.Kind.Deliver },
            },
        };
        Assert.Empty(StanzasTo(_two.Handle(forged), bob));
    }

    private static Frame Up(string address, bool up) => new() { From = "router", Component = new ComponentEvent { Address = address, Up = up } };

    private static string OwnedBy(string name, string shard)
    {
        for (var i = 0; ; i++)
            if (Rendezvous.Owner($"{name}{i}@localhost", ["sm-1", "sm-2"]) == shard) return $"{name}{i}";
    }
}
