using Xmpp.Integration.Tests.Archive;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xmpp.Integration.Tests.Rfc6121;
using Xmpp.Integration.Tests.StreamManagement;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Shards;

/// <summary>
/// Issue 22, sm shards: three sm processes share the domain and one store, two c2s in front.
/// Users owned by different shards chat, subscribe to each other's presence (with roster pushes),
/// get offline messages and query their archive as if one sm served them.
/// </summary>
public sealed class ShardChatTests(ITestOutputHelper output) : IAsyncLifetime
{
    private Cluster _cluster = null!;
    private readonly List<TestClient> _clients = [];

    public async Task InitializeAsync() => _cluster = await ShardCluster.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var client in _clients) await client.DisposeAsync();
        output.WriteLine(_cluster.OutputTail(80));
        await _cluster.DisposeAsync();
    }

    private async Task<TestClient> LoginAsync(Account account, int port, string resource)
    {
        var client = await _cluster.LoginAsync(account, port, resource);
        _clients.Add(client);
        return await client.AvailableAsync();
    }

    [Fact]
    public async Task Users_on_different_shards_subscribe_chat_get_offline_messages_and_query_their_archive()
    {
        var aliceAccount = await _cluster.NewUserOnAsync("alice", "sm-1");
        var bobAccount = await _cluster.NewUserOnAsync("bob", "sm-2");
        var carolAccount = await _cluster.NewUserOnAsync("carol", "sm-3");

        var alice = await LoginAsync(aliceAccount, _cluster.C2s1Port, "phone");
        var bob = await LoginAsync(bobAccount, _cluster.C2s2Port, "desk");
        await alice.GetRosterAsync(); // both want roster pushes (RFC 6121 §2.1.6)
        await bob.GetRosterAsync();

        // A presence subscription across shards: pushes on both sides, bob's presence to alice once approved.
        await alice.SendAsync($"<presence to='{bob.BareJid}' type='subscribe'/>");
        await alice.ExpectPushAsync(bob.BareJid, "none", ask: "subscribe");
        await bob.ExpectPresenceAsync(alice.BareJid, "subscribe");
        await bob.SendAsync($"<presence to='{alice.BareJid}' type='subscribed'/>");
        await bob.ExpectPushAsync(alice.BareJid, "from");
        await alice.ExpectPresenceAsync(bob.BareJid, "subscribed");
        await alice.ExpectPushAsync(bob.BareJid, "to");
        await alice.ExpectPresenceAsync(bob.Jid); // bob's current presence (§3.1.5), from bob's shard

        // bob's presence changes reach alice, whose shard is another.
        await bob.SendAsync("<presence><show>away</show></presence>");
        await alice.ExpectAsync(s => s.IsPresence() && s.Attr("from") == bob.Jid && s.Descendants().Any(d => d.Name.LocalName == "show" && d.Value == "away"));

        // Messages both ways, by full and by bare JID.
        await alice.SendAsync($"<message to='{bob.Jid}' type='chat' id='m1'><body>to bob full</body></message>");
        Assert.Equal(alice.Jid, (await bob.ExpectAsync(s => s.IsMessage() && s.Body() == "to bob full")).Attr("from"));
        await alice.SendAsync($"<message to='{bob.BareJid}' type='chat' id='m2'><body>to bob bare</body></message>");
        Assert.Equal(alice.Jid, (await bob.ExpectAsync(s => s.IsMessage() && s.Body() == "to bob bare")).Attr("from"));
        await bob.SendAsync($"<message to='{alice.BareJid}' type='chat' id='m3'><body>to alice bare</body></message>");
        Assert.Equal(bob.Jid, (await alice.ExpectAsync(s => s.IsMessage() && s.Body() == "to alice bare")).Attr("from"));

        // An iq to a full JID on another shard, and its result back.
        await alice.SendAsync($"<iq type='get' id='v1' to='{bob.Jid}'><query xmlns='jabber:iq:version'/></iq>");
        var iq = await bob.ExpectAsync(s => s.IsIq() && s.Attr("id") == "v1");
        await bob.SendAsync($"<iq type='result' id='v1' to='{alice.Jid}'><query xmlns='jabber:iq:version'><name>t</name></query></iq>");
        await alice.ExpectAsync(s => s.IsIq() && s.Attr("id") == "v1" && s.Attr("type") == "result");
        Assert.Equal(alice.Jid, iq.Attr("from"));

        // A message to a resource that is gone: error back across shards (RFC 6121 §8.5.3.2.1, normal).
        await alice.SendAsync($"<message to='{bob.BareJid}/gone' id='m4'><body>nobody</body></message>");
        var error = await alice.ExpectAsync(s => s.IsMessage() && s.Attr("id") == "m4" && s.Attr("type") == "error");
        Assert.Contains(error.Descendants(), d => d.Name.LocalName == "service-unavailable");

        // Offline: carol (sm-3) is not online; she gets it at her next initial presence.
        await alice.SendAsync($"<message to='{carolAccount.Jid}' type='chat' id='m5'><body>for carol later</body></message>");
        await alice.PingServerAsync();
        var carol = await LoginAsync(carolAccount, _cluster.C2s2Port, "tablet");
        var offline = await carol.ExpectAsync(s => s.IsMessage() && s.Body() == "for carol later");
        Assert.Equal(alice.BareJid, Stanza.BareOf(offline.Attr("from") ?? ""));
        Assert.NotNull(offline.DelayStamp());

        // The archive (shared store): alice's copies of what she sent and got, bob's of his.
        var alicePage = await alice.QueryArchiveAsync([("with", bob.BareJid)]);
        Assert.Equal(new[] { "to bob full", "to bob bare", "to alice bare" }, alicePage.Bodies.OfType<string>().Where(b => b.StartsWith("to ")).ToArray());
        var bobPage = await bob.QueryArchiveAsync([("with", alice.BareJid)]);
        Assert.Equal(new[] { "to bob full", "to bob bare", "to alice bare" }, bobPage.Bodies.OfType<string>().Where(b => b.StartsWith("to ")).ToArray());

        // bob goes: alice, subscribed to him, sees it.
        await bob.SendAsync("<presence type='unavailable'/>");
        await alice.ExpectPresenceAsync(bob.Jid, "unavailable");
    }

    [Fact]
    public async Task A_client_cut_off_resumes_on_the_other_c2s_and_gets_what_another_shards_user_sent_meanwhile()
    {
        var aliceAccount = await _cluster.NewUserOnAsync("alice", "sm-1");
        var bobAccount = await _cluster.NewUserOnAsync("bob", "sm-3");
        var alice = await LoginAsync(aliceAccount, _cluster.C2s2Port, "a");
        var first = await SmClient.AuthenticatedAsync(_cluster, bobAccount, _cluster.C2s1Port, "bob-1");
        var bobJid = await first.Client.BindAsync("phone");
        await first.Client.SendPresenceAsync();
        var previd = (await first.EnableAsync()).Attr("id")!;

        await alice.SendAsync($"<message to='{bobJid}' type='chat'><body>m-1</body></message>");
        await first.Client.ExpectAsync(e => e.IsMessage() && e.Body() == "m-1");
        await first.AckAsync();
        var handled = first.Handled;
        first.Client.Abort(); // no </stream:stream>: the session waits on bob's shard for a resumption
        await first.Client.DisposeAsync();
        for (var i = 2; i <= 4; i++) await alice.SendAsync($"<message to='{bobJid}' type='chat'><body>m-{i}</body></message>");
        await alice.PingServerAsync();

        // RESUME goes to "sm/localhost" with bob's bare JID: the router gives it to bob's shard, which holds the session.
        var second = await SmClient.AuthenticatedAsync(_cluster, bobAccount, _cluster.C2s2Port, "bob-2");
        await using var _ = second.Client;
        var resumed = await second.ResumeAsync(previd, handled);
        Assert.Equal("resumed", resumed.Name.LocalName);
        for (var i = 2; i <= 4; i++) await second.Client.ExpectAsync(e => e.IsMessage() && e.Body() == $"m-{i}");
        await second.Client.SendAsync($"<message to='{alice.Jid}' type='chat'><body>back</body></message>");
        await alice.ExpectAsync(e => e.IsMessage() && e.Body() == "back" && e.Attr("from") == bobJid);
        await second.Client.PingServerAsync();
        Assert.Equal(["m-2", "m-3", "m-4"], SmClient.Bodies(second.Client, "m-"));
    }
}
