using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>Issue #2, judged by 1 and 2: messages between c2s instances, and to users who are offline.</summary>
public sealed class MessagingTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    [Fact]
    public async Task Users_on_different_c2s_exchange_messages_by_full_and_by_bare_jid()
    {
        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), C2s1, "phone");
        var bob = await LoginAsync(await Cluster.NewUserAsync("bob"), C2s2, "laptop");

        // alice -> bob's full JID
        await alice.SendAsync($"<message to='{bob.Jid}' type='chat' id='m1'><body>hi bob (full)</body></message>");
        var m1 = await bob.ExpectAsync(s => s.IsMessage() && s.Body() == "hi bob (full)");
        Assert.Equal(alice.Jid, m1.Attr("from"));
        Assert.Equal("chat", m1.Attr("type"));
        Assert.Equal("m1", m1.Attr("id"));

        // bob -> alice's bare JID
        await bob.SendAsync($"<message to='{alice.BareJid}' type='chat' id='m2'><body>hi alice (bare)</body></message>");
        var m2 = await alice.ExpectAsync(s => s.IsMessage() && s.Body() == "hi alice (bare)");
        Assert.Equal(bob.Jid, m2.Attr("from"));

        // alice -> bob's bare JID
        await alice.SendAsync($"<message to='{bob.BareJid}' type='chat' id='m3'><body>hi bob (bare)</body></message>");
        var m3 = await bob.ExpectAsync(s => s.IsMessage() && s.Body() == "hi bob (bare)");
        Assert.Equal(alice.Jid, m3.Attr("from"));

        // bob -> alice's full JID
        await bob.SendAsync($"<message to='{alice.Jid}' type='chat' id='m4'><body>hi alice (full)</body></message>");
        var m4 = await alice.ExpectAsync(s => s.IsMessage() && s.Body() == "hi alice (full)");
        Assert.Equal(bob.Jid, m4.Attr("from"));
    }

    [Fact]
    public async Task A_message_to_an_offline_user_arrives_after_their_next_initial_presence_with_a_delay_stamp()
    {
        var sentAt = DateTimeOffset.UtcNow;
        var bobAccount = await Cluster.NewUserAsync("bob"); // has an account, is not online
        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), C2s1, "phone");

        await alice.SendAsync($"<message to='{bobAccount.Jid}' type='chat' id='off1'><body>while you were away</body></message>");
        await alice.PingServerAsync(); // sm has handled alice's message once it answers her ping

        // bob logs in on the other c2s; nothing is delivered before his initial presence ...
        var bob = await LoginAsync(bobAccount, C2s2, "desk", presence: false);
        await bob.PingServerAsync();
        Assert.DoesNotContain(bob.History, s => s.IsMessage());

        // ... and the stored message right after it
        await bob.SendPresenceAsync();
        var message = await bob.ExpectAsync(s => s.IsMessage() && s.Body() == "while you were away");
        Assert.Equal(alice.BareJid, Stanza.BareOf(message.Attr("from") ?? ""));
        var stamp = message.DelayStamp();
        Assert.True(stamp is not null, $"no <delay xmlns='urn:xmpp:delay' stamp='...'/> in {message.Text()}");
        Assert.InRange(stamp.Value, sentAt.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }
}
