using System.Xml.Linq;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Archive;

/// <summary>Issue #19, judged: a carbon reaches the sender's other resource (XEP-0280), through real sockets on the shared cluster.</summary>
public sealed class CarbonsTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    private const string Carbons = "urn:xmpp:carbons:2";

    private static XElement? Carbon(XElement message, string direction) => message.Element(XName.Get(direction, Carbons));

    private static bool IsCarbon(XElement s, string direction, string body) =>
        s.IsMessage() && Carbon(s, direction) is { } c &&
        c.Element(XName.Get("forwarded", ArchivePage.Forward))?.Elements().FirstOrDefault()?.Body() == body;

    private static XElement Forwarded(XElement carbon, string direction) =>
        Carbon(carbon, direction)!.Element(XName.Get("forwarded", ArchivePage.Forward))!.Elements().Single();

    [Fact]
    public async Task A_message_sent_from_one_resource_reaches_the_senders_other_resource_as_a_sent_carbon()
    {
        var aliceAccount = await Cluster.NewUserAsync("alice");
        var phone = await LoginAsync(aliceAccount, C2s1, "phone");
        var laptop = await LoginAsync(aliceAccount, C2s2, "laptop");
        var bob = await LoginAsync(await Cluster.NewUserAsync("bob"), C2s2, "desk");
        await laptop.EnableCarbonsAsync();

        await phone.SendAsync($"<message to='{bob.BareJid}' type='chat' id='s1'><body>sent from the phone</body></message>");
        await bob.ExpectAsync(s => s.IsMessage() && s.Body() == "sent from the phone");
        var carbon = await laptop.ExpectAsync(s => IsCarbon(s, "sent", "sent from the phone"));
        Assert.Equal(aliceAccount.Jid, carbon.Attr("from"));
        Assert.Equal(laptop.Jid, carbon.Attr("to"));
        var original = Forwarded(carbon, "sent");
        Assert.Equal(phone.Jid, original.Attr("from"));
        Assert.Equal(bob.BareJid, original.Attr("to"));
        Assert.Equal("s1", original.Attr("id"));
        Assert.NotNull(original.StanzaId(aliceAccount.Jid)); // its place in alice's archive

        await phone.PingServerAsync();
        Assert.DoesNotContain(phone.History, s => s.Element(XName.Get("sent", Carbons)) is not null); // not to the sender itself
    }

    [Fact]
    public async Task A_message_for_one_resource_reaches_the_users_other_resources_that_enabled_carbons_as_a_received_carbon()
    {
        var aliceAccount = await Cluster.NewUserAsync("alice");
        var phone = await LoginAsync(aliceAccount, C2s1, "phone", presence: false);
        var laptop = await LoginAsync(aliceAccount, C2s2, "laptop");
        var bob = await LoginAsync(await Cluster.NewUserAsync("bob"), C2s1, "desk");
        await phone.SendAsync("<presence><priority>5</priority></presence>");
        await phone.PingServerAsync();
        await phone.EnableCarbonsAsync();
        await laptop.EnableCarbonsAsync();

        // To a full JID: that resource gets the message, the other a received carbon.
        await bob.SendAsync($"<message to='{laptop.Jid}' type='chat' id='r1'><body>for the laptop</body></message>");
        var direct = await laptop.ExpectAsync(s => s.IsMessage() && s.Body() == "for the laptop");
        var carbon = await phone.ExpectAsync(s => IsCarbon(s, "received", "for the laptop"));
        Assert.Equal(aliceAccount.Jid, carbon.Attr("from"));
        var original = Forwarded(carbon, "received");
        Assert.Equal(bob.Jid, original.Attr("from"));
        Assert.Equal(direct.StanzaId(aliceAccount.Jid), original.StanzaId(aliceAccount.Jid));

        // To the bare JID: the highest priority resource (the phone) gets it, the laptop a carbon.
        await bob.SendAsync($"<message to='{aliceAccount.Jid}' type='chat' id='r2'><body>for alice</body></message>");
        await phone.ExpectAsync(s => s.IsMessage() && s.Body() == "for alice");
        await laptop.ExpectAsync(s => IsCarbon(s, "received", "for alice"));
        await phone.PingServerAsync();
        await laptop.PingServerAsync(); // anything else sm sent them for that message came before these answers
        Assert.DoesNotContain(laptop.History, s => s.IsMessage() && s.Body() == "for alice");
        Assert.DoesNotContain(phone.History, s => IsCarbon(s, "received", "for alice"));
        Assert.DoesNotContain(laptop.History, s => IsCarbon(s, "received", "for the laptop")); // no carbon to the addressee
    }

    [Fact]
    public async Task Private_messages_are_not_carboned_and_resources_without_carbons_get_none()
    {
        var aliceAccount = await Cluster.NewUserAsync("alice");
        var phone = await LoginAsync(aliceAccount, C2s1, "phone");
        var laptop = await LoginAsync(aliceAccount, C2s2, "laptop");
        var tablet = await LoginAsync(aliceAccount, C2s1, "tablet"); // never enables carbons
        var bob = await LoginAsync(await Cluster.NewUserAsync("bob"), C2s2, "desk");
        await laptop.EnableCarbonsAsync();

        await phone.SendAsync($"<message to='{bob.BareJid}' type='chat' id='x1'><body>just between us</body><private xmlns='{Carbons}'/><no-copy xmlns='urn:xmpp:hints'/></message>");
        await bob.ExpectAsync(s => s.IsMessage() && s.Body() == "just between us");
        await phone.SendAsync($"<message to='{bob.BareJid}' type='chat' id='x2'><body>for all my devices</body></message>");
        await bob.ExpectAsync(s => s.IsMessage() && s.Body() == "for all my devices");
        // sm handles the phone's messages in order: once the second one's carbon arrived, the first had its chance.
        await laptop.ExpectAsync(s => IsCarbon(s, "sent", "for all my devices"));
        Assert.DoesNotContain(laptop.History, s => IsCarbon(s, "sent", "just between us"));

        // Carbons disabled again: nothing more.
        Assert.Equal("result", (await laptop.IqAsync("set", $"<disable xmlns='{Carbons}'/>")).Attr("type"));
        await phone.SendAsync($"<message to='{bob.BareJid}' type='chat' id='x3'><body>after disable</body></message>");
        await bob.ExpectAsync(s => s.IsMessage() && s.Body() == "after disable");
        await phone.PingServerAsync();
        await laptop.PingServerAsync();
        await tablet.PingServerAsync();
        Assert.DoesNotContain(laptop.History, s => IsCarbon(s, "sent", "after disable"));
        Assert.DoesNotContain(tablet.History, s => s.Element(XName.Get("sent", Carbons)) is not null || s.Element(XName.Get("received", Carbons)) is not null);
    }
}
