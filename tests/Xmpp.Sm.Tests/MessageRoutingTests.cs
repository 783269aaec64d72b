using static Xmpp.Sm.Tests.SmHarness;

namespace Xmpp.Sm.Tests;

/// <summary>RFC 6121 §8.5.2/§8.5.3 by message type, for the cases DeliveryTests does not cover.</summary>
public sealed class MessageRoutingTests : IDisposable
{
    private readonly SmHarness _h = new();

    public MessageRoutingTests()
    {
        _h.CreateUser("alice");
        _h.CreateUser("bob");
    }

    public void Dispose() => _h.Dispose();

    [Theory]
    [InlineData("normal", "service-unavailable")]
    [InlineData("", "service-unavailable")]
    [InlineData("groupchat", "service-unavailable")]
    [InlineData("headline", null)]
    [InlineData("error", null)]
    public void To_a_full_jid_without_that_resource_only_chat_goes_to_other_resources(string type, string? error)
    {
        var alice = _h.Online("alice@localhost/phone");
        var bob = _h.Online("bob@localhost/pc");
        var typeAttr = type.Length > 0 ? $" type='{type}'" : "";

        var frames = _h.Send(alice, $"<message to='bob@localhost/gone'{typeAttr} id='m1'><body>x</body></message>");

        Assert.Empty(StanzasTo(frames, bob)); // §8.5.3.2.1
        if (error is null) Assert.Empty(frames);
        else Assert.Equal(error, ErrorCondition(SingleStanzaTo(frames, alice)));
        Assert.Equal(0, _h.Storage.Count("bob@localhost"));
    }

    [Fact]
    public void Chat_to_a_full_jid_without_that_resource_is_stored_when_only_negative_resources_are_online()
    {
        var alice = _h.Online("alice@localhost/phone");
        var bot = _h.Online("bob@localhost/bot", priority: -5);

        Assert.Empty(_h.Send(alice, "<message to='bob@localhost/gone' type='chat'><body>x</body></message>"));
        Assert.Equal(1, _h.Storage.Count("bob@localhost"));
        Assert.NotNull(bot);
    }

    [Fact]
    public void A_full_jid_with_negative_priority_still_gets_messages_addressed_to_it()
    {
        var alice = _h.Online("alice@localhost/phone");
        var bot = _h.Online("bob@localhost/bot", priority: -1);

        SingleStanzaTo(_h.Send(alice, "<message to='bob@localhost/bot' type='chat'><body>x</body></message>"), bot); // §8.5.3.1
    }

    [Fact]
    public void Headlines_to_the_bare_jid_go_to_every_non_negative_resource()
    {
        var alice = _h.Online("alice@localhost/phone");
        var high = _h.Online("bob@localhost/high", priority: 5);
        var low = _h.Online("bob@localhost/low", priority: 0);
        var negative = _h.Online("bob@localhost/negative", priority: -1);

        var frames = _h.Send(alice, "<message to='bob@localhost' type='headline'><body>news</body></message>");

        SingleStanzaTo(frames, high);
        SingleStanzaTo(frames, low);
        Assert.Empty(StanzasTo(frames, negative));
    }

    [Theory]
    [InlineData("groupchat", "service-unavailable")]
    [InlineData("error", null)]
    [InlineData("headline", null)]
    public void Bare_jid_groupchat_is_refused_and_errors_and_headlines_for_nobody_are_dropped(string type, string? error)
    {
        var alice = _h.Online("alice@localhost/phone");

        var frames = _h.Send(alice, $"<message to='bob@localhost' type='{type}' id='m1'><body>x</body></message>");

        if (error is null) Assert.Empty(frames);
        else Assert.Equal(error, ErrorCondition(SingleStanzaTo(frames, alice)));
        Assert.Equal(0, _h.Storage.Count("bob@localhost"));
    }

    [Fact]
    public void A_bare_jid_message_leaves_the_to_address_bare()
    {
        var alice = _h.Online("alice@localhost/phone");
        var bob = _h.Online("bob@localhost/pc");

        var message = SingleStanzaTo(_h.Send(alice, "<message to='bob@localhost' type='normal'><body>x</body></message>"), bob);

        Assert.Equal("bob@localhost", (string?)message.Attribute("to")); // §8.5.2.1.1: never rewritten
    }
}
