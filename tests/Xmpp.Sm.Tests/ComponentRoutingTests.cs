using System.Xml.Linq;
using Google.Protobuf;
using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Protos;
using Xmpp.Sm.Modules.Blocking;
using static Xmpp.Sm.Tests.SmHarness;

namespace Xmpp.Sm.Tests;

/// <summary>
/// Issue 21: sm and service components. Client stanzas for a bound component's domain go to
/// component/&lt;domain&gt;; a component's stanzas reach local users as any other entity's do; a domain
/// whose component is down is &lt;service-unavailable/&gt;, one never bound &lt;remote-server-not-found/&gt;.
/// </summary>
public sealed class ComponentRoutingTests : IDisposable
{
    private const string Service = "conference.localhost";
    private const string ServiceAddress = "component/conference.localhost";
    private readonly SmHarness _h = new();

    public void Dispose() => _h.Dispose();

    private void Component(string address, bool up) =>
        _h.Handle(new Frame { From = "router", To = SmAddress, Component = new ComponentEvent { Address = address, Up = up } });

    private List<Frame> FromComponent(string xml, string from = ServiceAddress)
    {
        var stanza = ParseClientXml(xml);
        return _h.Handle(new Frame
        {
            To = SmAddress,
            From = from,
            Packet = new Packet
            {
                Stanza = ByteString.CopyFrom(StanzaCodec.ToBytes(stanza)),
                Kind = stanza.Name.LocalName,
                Type = (string?)stanza.Attribute("type") ?? "",
                StanzaTo = (string?)stanza.Attribute("to") ?? "",
                StanzaFrom = (string?)stanza.Attribute("from") ?? "",
            },
        });
    }

    private static List<XElement> ToComponent(IEnumerable<Frame> frames, string address = ServiceAddress) =>
        frames.Where(f => f.To == address && f.Packet is not null).Select(f =>
        {
            Assert.Equal("", f.Packet.SmSession);
            Assert.Equal("", f.Packet.C2SSession);
            return StanzaCodec.Parse(f.Packet.Stanza.Span);
        }).ToList();

    [Fact]
    public void A_clients_stanzas_for_a_bound_domain_go_to_its_component_with_the_verified_from()
    {
        _h.CreateUser("alice");
        var alice = _h.Online("alice@localhost/phone");
        Component(ServiceAddress, up: true);

        var frames = _h.Send(alice, $"<message type='chat' id='m1' to='room@{Service}/nick'><body>hi</body></message>");
        var message = Assert.Single(ToComponent(frames));
        Assert.Equal("alice@localhost/phone", (string?)message.Attribute("from"));
        Assert.Equal($"room@{Service}/nick", (string?)message.Attribute("to"));
        Assert.Equal("hi", message.Element(C("body"))?.Value);
        var packet = frames.Single(f => f.To == ServiceAddress).Packet;
        Assert.Equal(("message", "chat", "alice@localhost/phone"), (packet.Kind, packet.Type, packet.StanzaFrom));
        Assert.Empty(StanzasTo(frames, alice));

        var iq = Assert.Single(ToComponent(_h.Send(alice, $"<iq type='get' id='d1' to='{Service}'><query xmlns='{Ns.DiscoInfo}'/></iq>")));
        Assert.Equal("d1", (string?)iq.Attribute("id"));
    }

    [Fact]
    public void A_session_that_ends_sends_unavailable_to_the_component_jids_it_sent_presence_to_and_not_to_those_it_left()
    {
        _h.CreateUser("alice");
        var alice = _h.Online("alice@localhost/phone");
        Component(ServiceAddress, up: true);
        Assert.Single(ToComponent(_h.Send(alice, $"<presence to='room@{Service}/alice'><x xmlns='http://jabber.org/protocol/muc'/></presence>")));
        _h.Send(alice, $"<presence to='left@{Service}/alice'/>");
        _h.Send(alice, $"<presence to='left@{Service}/alice' type='unavailable'/>");

        var frames = _h.Handle(new Frame { To = SmAddress, From = alice.C2s, Session = new Session { Action = Session.Types.Action.End, C2SSession = alice.C2sSession, SmSession = alice.SmSession } });
        var unavailable = Assert.Single(ToComponent(frames)); // XEP-0045 §7.14: the room sees the occupant leave
        Assert.Equal(("unavailable", $"room@{Service}/alice", "alice@localhost/phone"),
            ((string?)unavailable.Attribute("type"), (string?)unavailable.Attribute("to"), (string?)unavailable.Attribute("from")));
    }

    [Fact]
    public void A_domain_whose_component_went_is_service_unavailable_and_one_never_bound_remote_server_not_found()
    {
        _h.CreateUser("alice");
        var alice = _h.Online("alice@localhost/phone");
        Component(ServiceAddress, up: true);
        Component(ServiceAddress, up: false);

        var frames = _h.Send(alice, $"<iq type='get' id='d1' to='{Service}'><query xmlns='{Ns.DiscoInfo}'/></iq>");
        Assert.Empty(ToComponent(frames));
        var error = SingleStanzaTo(frames, alice);
        Assert.Equal("service-unavailable", ErrorCondition(error));
        Assert.Equal("wait", (string?)error.Element(C("error"))?.Attribute("type"));
        Assert.Equal(Service, (string?)error.Attribute("from"));

        var remote = SingleStanzaTo(_h.Send(alice, $"<iq type='get' id='d2' to='upload.localhost'><query xmlns='{Ns.DiscoInfo}'/></iq>"), alice);
        Assert.Equal("remote-server-not-found", ErrorCondition(remote));
    }

    [Fact]
    public void Blocking_applies_to_stanzas_for_a_component()
    {
        _h.CreateUser("alice");
        var alice = _h.Online("alice@localhost/phone");
        Component(ServiceAddress, up: true);
        _h.Send(alice, $"<iq type='set' id='b1'><block xmlns='{BlockingModule.Namespace}'><item jid='{Service}'/></block></iq>");

        var frames = _h.Send(alice, $"<message type='chat' id='m1' to='bot@{Service}'><body>hi</body></message>");
        Assert.Empty(ToComponent(frames));
        Assert.Equal("not-acceptable", ErrorCondition(SingleStanzaTo(frames, alice)));
    }

    [Fact]
    public void A_components_stanzas_reach_the_users_sessions_or_offline_storage()
    {
        _h.CreateUser("alice");
        _h.CreateUser("bob");
        var alice = _h.Online("alice@localhost/phone");
        Component(ServiceAddress, up: true);

        var frames = FromComponent($"<message type='chat' id='e1' from='bot@{Service}' to='alice@localhost'><body>echo</body></message>");
        var delivered = SingleStanzaTo(frames, alice);
        Assert.Equal($"bot@{Service}", (string?)delivered.Attribute("from"));
        Assert.Equal("echo", delivered.Element(C("body"))?.Value);
        Assert.Empty(ToComponent(frames));

        var result = SingleStanzaTo(FromComponent($"<iq type='result' id='d1' from='{Service}' to='alice@localhost/phone'/>"), alice);
        Assert.Equal("d1", (string?)result.Attribute("id"));

        // bob is offline: a chat message is stored, and comes with his first available presence.
        Assert.Empty(ToComponent(FromComponent($"<message type='chat' id='e2' from='bot@{Service}' to='bob@localhost'><body>later</body></message>")));
        var bob = _h.Start("bob@localhost/desk");
        var flushed = StanzasTo(_h.Send(bob, "<presence/>"), bob).Where(s => s.Name == C("message")).ToList();
        Assert.Equal("later", Assert.Single(flushed).Element(C("body"))?.Value);
    }

    [Fact]
    public void What_cannot_be_delivered_is_answered_to_the_component()
    {
        _h.CreateUser("alice");
        Component(ServiceAddress, up: true);

        var iq = Assert.Single(ToComponent(FromComponent($"<iq type='get' id='q1' from='{Service}' to='alice@localhost/gone'><ping xmlns='urn:xmpp:ping'/></iq>")));
        Assert.Equal("service-unavailable", ErrorCondition(iq));
        Assert.Equal(Service, (string?)iq.Attribute("to"));

        var nobody = Assert.Single(ToComponent(FromComponent($"<message type='chat' id='e3' from='bot@{Service}' to='nobody@localhost'><body>x</body></message>")));
        Assert.Equal("service-unavailable", ErrorCondition(nobody));

        var remote = Assert.Single(ToComponent(FromComponent($"<message type='chat' id='e4' from='bot@{Service}' to='someone@example.org'><body>x</body></message>")));
        Assert.Equal("remote-server-not-found", ErrorCondition(remote));
    }

    [Fact]
    public void A_stanza_from_outside_the_components_domain_is_dropped()
    {
        _h.CreateUser("alice");
        var alice = _h.Online("alice@localhost/phone");
        Component(ServiceAddress, up: true);

        var forged = FromComponent("<message type='chat' id='f1' from='bob@localhost' to='alice@localhost'><body>trust me</body></message>");
        Assert.Empty(StanzasTo(forged, alice));
        Assert.Empty(ToComponent(forged));

        // The hint and the stanza must agree too.
        var stanza = ParseClientXml($"<message type='chat' id='f2' from='other.localhost' to='alice@localhost'><body>x</body></message>");
        var mismatched = _h.Handle(new Frame
        {
            To = SmAddress, From = ServiceAddress,
            Packet = new Packet { Stanza = ByteString.CopyFrom(StanzaCodec.ToBytes(stanza)), Kind = "message", Type = "chat", StanzaTo = "alice@localhost", StanzaFrom = Service },
        });
        Assert.Empty(StanzasTo(mismatched, alice));
    }

    [Fact]
    public void Two_components_reach_each_other_through_sm()
    {
        Component(ServiceAddress, up: true);
        Component("component/upload.localhost", up: true);
        var frames = FromComponent($"<message type='chat' id='x1' from='bot@{Service}' to='upload.localhost'><body>x</body></message>");
        Assert.Single(ToComponent(frames, "component/upload.localhost"));
    }
}
