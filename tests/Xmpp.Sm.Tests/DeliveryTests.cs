using static Xmpp.Sm.Tests.SmHarness;

namespace Xmpp.Sm.Tests;

/// <summary>RFC 6121 §8.5: who gets a stanza addressed to a local user.</summary>
public sealed class DeliveryTests : IDisposable
{
    private readonly SmHarness _h = new();

    public DeliveryTests()
    {
        _h.CreateUser("alice");
        _h.CreateUser("bob");
    }

    public void Dispose() => _h.Dispose();

    [Fact]
    public void A_message_to_an_online_full_jid_goes_to_that_session_only()
    {
        var alice = _h.Online("alice@localhost/phone");
        var bobPc = _h.Online("bob@localhost/pc", priority: 5, c2s: C2s2);
        var bobPhone = _h.Online("bob@localhost/phone", priority: 1);

        var frames = _h.Send(alice, "<message to='bob@localhost/phone' type='chat' id='m1'><body>hi</body></message>");

        var message = SingleStanzaTo(frames, bobPhone);
        Assert.Equal("alice@localhost/phone", (string?)message.Attribute("from"));
        Assert.Equal("bob@localhost/phone", (string?)message.Attribute("to"));
        Assert.Equal("hi", message.Element(C("body"))!.Value);
        Assert.Empty(StanzasTo(frames, bobPc));
        var packet = Assert.Single(frames).Packet;
        Assert.Equal("bob@localhost/phone", packet.StanzaTo);
        Assert.Equal("alice@localhost/phone", packet.StanzaFrom);
    }

    [Fact]
    public void A_full_jid_gets_messages_even_before_its_initial_presence()
    {
        var alice = _h.Online("alice@localhost/phone");
        var bob = _h.Start("bob@localhost/pc");

        var frames = _h.Send(alice, "<message to='bob@localhost/pc'><body>hi</body></message>");

        SingleStanzaTo(frames, bob);
    }

    [Fact]
    public void A_message_to_the_bare_jid_goes_to_the_highest_priority_resource()
    {
        var alice = _h.Online("alice@localhost/phone");
        var high = _h.Online("bob@localhost/pc", priority: 5, c2s: C2s2);
        var low = _h.Online("bob@localhost/phone", priority: 1);

        var frames = _h.Send(alice, "<message to='bob@localhost' type='chat'><body>hi</body></message>");

        Assert.Equal("bob@localhost", (string?)SingleStanzaTo(frames, high).Attribute("to"));
        Assert.Empty(StanzasTo(frames, low));
    }

    [Fact]
    public void Resources_sharing_the_highest_priority_all_get_a_bare_jid_message()
    {
        var alice = _h.Online("alice@localhost/phone");
        var pc = _h.Online("bob@localhost/pc", priority: 3, c2s: C2s2);
        var phone = _h.Online("bob@localhost/phone", priority: 3);
        var tablet = _h.Online("bob@localhost/tablet", priority: 0);

        var frames = _h.Send(alice, "<message to='bob@localhost'><body>hi</body></message>");

        SingleStanzaTo(frames, pc);
        SingleStanzaTo(frames, phone);
        Assert.Empty(StanzasTo(frames, tablet));
    }

    [Fact]
    public void A_message_to_an_offline_resource_is_delivered_as_to_the_bare_jid()
    {
        var alice = _h.Online("alice@localhost/phone");
        var bob = _h.Online("bob@localhost/pc");

        var frames = _h.Send(alice, "<message to='bob@localhost/gone' type='chat'><body>hi</body></message>");

        SingleStanzaTo(frames, bob);
    }

    [Fact]
    public void Headlines_to_an_offline_resource_are_dropped_and_groupchat_is_refused()
    {
        var alice = _h.Online("alice@localhost/phone");
        _h.Online("bob@localhost/pc");

        Assert.Empty(_h.Send(alice, "<message to='bob@localhost/gone' type='headline'><body>news</body></message>"));
        var error = SingleStanzaTo(_h.Send(alice, "<message to='bob@localhost/gone' type='groupchat' id='g1'><body>x</body></message>"), alice);
        Assert.Equal("service-unavailable", ErrorCondition(error));
    }

    [Fact]
    public void Negative_priority_resources_get_no_bare_jid_messages()
    {
        var alice = _h.Online("alice@localhost/phone");
        var bob = _h.Online("bob@localhost/bot", priority: -1);

        var frames = _h.Send(alice, "<message to='bob@localhost' type='chat'><body>hi</body></message>");

        Assert.Empty(frames); // stored offline instead
        Assert.Equal(1, _h.Storage.Count("bob@localhost"));
        Assert.Empty(StanzasTo(frames, bob));
    }

    [Fact]
    public void A_message_to_a_user_that_does_not_exist_gets_service_unavailable()
    {
        var alice = _h.Online("alice@localhost/phone");

        var error = SingleStanzaTo(_h.Send(alice, "<message to='nobody@localhost' id='m1'><body>hi</body></message>"), alice);

        Assert.Equal("error", (string?)error.Attribute("type"));
        Assert.Equal("m1", (string?)error.Attribute("id"));
        Assert.Equal("nobody@localhost", (string?)error.Attribute("from"));
        Assert.Equal("service-unavailable", ErrorCondition(error));
    }

    [Fact]
    public void An_iq_to_an_online_full_jid_is_delivered()
    {
        var alice = _h.Online("alice@localhost/phone");
        var bob = _h.Online("bob@localhost/pc");

        var iq = SingleStanzaTo(_h.Send(alice, "<iq to='bob@localhost/pc' type='get' id='v1'><query xmlns='jabber:iq:version'/></iq>"), bob);

        Assert.Equal("v1", (string?)iq.Attribute("id"));
    }

    [Fact]
    public void An_iq_to_an_offline_full_jid_gets_service_unavailable()
    {
        var alice = _h.Online("alice@localhost/phone");

        var error = SingleStanzaTo(_h.Send(alice, "<iq to='bob@localhost/pc' type='get' id='v1'><query xmlns='jabber:iq:version'/></iq>"), alice);

        Assert.Equal("v1", (string?)error.Attribute("id"));
        Assert.Equal("bob@localhost/pc", (string?)error.Attribute("from"));
        Assert.Equal("alice@localhost/phone", (string?)error.Attribute("to"));
        Assert.Equal("cancel", (string?)error.Element(C("error"))!.Attribute("type"));
        Assert.Equal("service-unavailable", ErrorCondition(error));
    }

    [Fact]
    public void An_iq_result_to_an_offline_full_jid_is_dropped()
    {
        var alice = _h.Online("alice@localhost/phone");

        Assert.Empty(_h.Send(alice, "<iq to='bob@localhost/pc' type='result' id='v1'/>"));
    }

    [Fact]
    public void An_iq_to_a_users_bare_jid_that_no_module_handles_gets_service_unavailable()
    {
        var alice = _h.Online("alice@localhost/phone");
        _h.Online("bob@localhost/pc");

        var error = SingleStanzaTo(_h.Send(alice, "<iq to='bob@localhost' type='get' id='v1'><query xmlns='jabber:iq:version'/></iq>"), alice);

        Assert.Equal("service-unavailable", ErrorCondition(error));
    }

    [Fact]
    public void Directed_presence_reaches_the_users_available_resources_and_is_dropped_when_offline()
    {
        var alice = _h.Online("alice@localhost/phone");
        var bob = _h.Online("bob@localhost/pc");
        var bobIdle = _h.Start("bob@localhost/idle");

        var frames = _h.Send(alice, "<presence to='bob@localhost'><show>away</show></presence>");
        SingleStanzaTo(frames, bob);
        Assert.Empty(StanzasTo(frames, bobIdle));

        SingleStanzaTo(_h.Send(alice, "<presence to='bob@localhost/idle'/>"), bobIdle);
        Assert.Empty(_h.Send(alice, "<presence to='bob@localhost/gone'/>"));
    }

    [Fact]
    public void Stanzas_to_another_domain_get_remote_server_not_found()
    {
        var alice = _h.Online("alice@localhost/phone");

        var error = SingleStanzaTo(_h.Send(alice, "<message to='carol@example.org' id='m1'><body>hi</body></message>"), alice);

        Assert.Equal("remote-server-not-found", ErrorCondition(error));
        Assert.Equal("cancel", (string?)error.Element(C("error"))!.Attribute("type"));
        Assert.Equal("carol@example.org", (string?)error.Attribute("from"));
    }

    [Fact]
    public void A_malformed_to_gets_jid_malformed()
    {
        var alice = _h.Online("alice@localhost/phone");

        var error = SingleStanzaTo(_h.Send(alice, "<message to='a@b@c' id='m1'><body>hi</body></message>"), alice);

        Assert.Equal("jid-malformed", ErrorCondition(error));
    }

    [Fact]
    public void Error_stanzas_are_never_answered_with_errors()
    {
        var alice = _h.Online("alice@localhost/phone");

        Assert.Empty(_h.Send(alice, "<message to='nobody@localhost' type='error' id='m1'/>"));
        Assert.Empty(_h.Send(alice, "<iq to='bob@localhost/pc' type='error' id='i1'/>"));
    }
}
