using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.StreamManagement;

/// <summary>
/// Issue 20, XEP-0198 through real sockets on the shared cluster: the feature, enable, acks both
/// ways, resumption after an abrupt disconnect, and who may resume.
/// </summary>
public sealed class StreamManagementTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    [Fact]
    public async Task The_feature_is_offered_after_authentication_and_enable_is_refused_before_bind_and_twice()
    {
        var account = await Cluster.NewUserAsync("smfeat");
        var sm = await SmClient.AuthenticatedAsync(Cluster, account, C2s1, "smfeat");
        await using var _ = sm.Client;
        Assert.NotNull(sm.Client.Features.Child(SmClient.Ns, "sm"));

        var early = await sm.EnableAsync();
        Assert.Equal("failed", early.Name.LocalName);
        Assert.Equal("unexpected-request", SmClient.FailedCondition(early));

        await sm.Client.BindAsync("r1");
        var enabled = await sm.EnableAsync();
        Assert.Equal("enabled", enabled.Name.LocalName);
        Assert.Equal("true", enabled.Attr("resume"));
        Assert.False(string.IsNullOrEmpty(enabled.Attr("id")));
        Assert.Equal("300", enabled.Attr("max")); // Sm:StreamManagement:ResumeTimeout

        var again = await sm.EnableAsync();
        Assert.Equal("failed", again.Name.LocalName);
        Assert.Equal("unexpected-request", SmClient.FailedCondition(again));
    }

    [Fact]
    public async Task Acks_count_the_stanzas_each_side_handled()
    {
        var aliceAccount = await Cluster.NewUserAsync("smalice");
        var bobAccount = await Cluster.NewUserAsync("smbob");
        var alice = await LoginAsync(aliceAccount, C2s2, "a");
        var sm = await SmClient.AuthenticatedAsync(Cluster, bobAccount, C2s1, "smbob");
        await using var _ = sm.Client;
        var bobJid = await sm.Client.BindAsync("b");
        await sm.EnableAsync();

        // Inbound: the client's <r/> is answered with what sm took: 3 messages, an iq c2s answers itself
        // (legacy session, a loopback through sm), and a ping sm answers.
        for (var i = 1; i <= 3; i++) await sm.Client.SendAsync($"<message to='{alice.Jid}' type='chat'><body>in-{i}</body></message>");
        await sm.Client.SendAsync("<iq type='set' id='legacy'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>");
        await sm.Client.ExpectAsync(e => e.IsIq() && e.Attr("id") == "legacy");
        Assert.Equal(4u, await sm.RequestAckAsync());
        await sm.Client.PingServerAsync();
        Assert.Equal(5u, await sm.RequestAckAsync());
        for (var i = 1; i <= 3; i++) await alice.ExpectAsync(e => e.IsMessage() && e.Body() == $"in-{i}");

        // Outbound: the server asks for acks itself (C2s:StreamManagement:AckRequestDelay, 1 s) once it sent something.
        await alice.SendAsync($"<message to='{bobJid}' type='chat'><body>out-1</body></message>");
        await sm.Client.ExpectAsync(e => e.IsMessage() && e.Body() == "out-1");
        await sm.Client.ExpectAsync(e => e.Name.NamespaceName == SmClient.Ns && e.Name.LocalName == "r", TimeSpan.FromSeconds(5), "<r/> from the server");
        Assert.Equal(3u, sm.Handled); // the legacy-session result, the ping result, out-1
        await sm.AckAsync();
    }

    [Fact]
    public async Task A_client_cut_off_without_closing_resumes_on_the_same_c2s_and_gets_what_was_sent_meanwhile_exactly_once()
    {
        var aliceAccount = await Cluster.NewUserAsync("smsender");
        var bobAccount = await Cluster.NewUserAsync("smresumer");
        var alice = await LoginAsync(aliceAccount, C2s2, "a");
        var first = await SmClient.AuthenticatedAsync(Cluster, bobAccount, C2s1, "bob-1");
        var bobJid = await first.Client.BindAsync("phone");
        await first.Client.SendPresenceAsync();
        var enabled = await first.EnableAsync();
        var previd = enabled.Attr("id")!;

        await alice.SendAsync($"<message to='{bobJid}' type='chat'><body>m-1</body></message>");
        await first.Client.ExpectAsync(e => e.IsMessage() && e.Body() == "m-1");
        await first.AckAsync();
        await alice.SendAsync($"<message to='{bobJid}' type='chat'><body>m-2</body></message>");
        await first.Client.ExpectAsync(e => e.IsMessage() && e.Body() == "m-2");
        await first.Client.SendAsync($"<message to='{alice.Jid}' type='chat'><body>from-bob-1</body></message>");
        await alice.ExpectAsync(e => e.IsMessage() && e.Body() == "from-bob-1");
        var handled = first.Handled;

        first.Client.Abort(); // no </stream:stream>: the TCP connection is reset
        await first.Client.DisposeAsync();
        for (var i = 3; i <= 5; i++) await alice.SendAsync($"<message to='{bobJid}' type='chat'><body>m-{i}</body></message>");
        await alice.PingServerAsync(); // sm has taken them

        var second = await SmClient.AuthenticatedAsync(Cluster, bobAccount, C2s1, "bob-2");
        await using var _ = second.Client;
        var resumed = await second.ResumeAsync(previd, handled);
        Assert.Equal("resumed", resumed.Name.LocalName);
        Assert.Equal(previd, resumed.Attr("previd"));
        Assert.Equal("1", resumed.Attr("h")); // sm took bob's one message

        for (var i = 3; i <= 5; i++) await second.Client.ExpectAsync(e => e.IsMessage() && e.Body() == $"m-{i}");
        await second.Client.PingServerAsync(); // everything sm had for bob has arrived before the pong
        Assert.Equal(["m-3", "m-4", "m-5"], SmClient.Bodies(second.Client, "m-"));

        // The resumed session is bob's full JID, live: alice's next message arrives, and bob can send.
        await alice.SendAsync($"<message to='{bobJid}' type='chat'><body>m-6</body></message>");
        await second.Client.ExpectAsync(e => e.IsMessage() && e.Body() == "m-6" && e.Attr("to") == bobJid);
        await second.Client.SendAsync($"<message to='{alice.Jid}' type='chat'><body>from-bob-2</body></message>");
        await alice.ExpectAsync(e => e.IsMessage() && e.Body() == "from-bob-2" && e.Attr("from") == bobJid);
        Assert.Equal(3u, await second.RequestAckAsync()); // counting goes on from the resumed h: 1, the ping, from-bob-2
    }

    [Fact]
    public async Task Another_account_cannot_resume_someones_session()
    {
        var bobAccount = await Cluster.NewUserAsync("smvictim");
        var eveAccount = await Cluster.NewUserAsync("smthief");
        var bob = await SmClient.AuthenticatedAsync(Cluster, bobAccount, C2s1, "bob");
        await bob.Client.BindAsync("phone");
        var previd = (await bob.EnableAsync()).Attr("id")!;
        bob.Client.Abort();
        await bob.Client.DisposeAsync();

        var eve = await SmClient.AuthenticatedAsync(Cluster, eveAccount, C2s2, "eve");
        await using var _e = eve.Client;
        var refused = await eve.ResumeAsync(previd, 0);
        Assert.Equal("failed", refused.Name.LocalName);
        Assert.Equal("item-not-found", SmClient.FailedCondition(refused));
        await eve.Client.BindAsync("x"); // the stream goes on: she may bind

        var unknown = await SmClient.AuthenticatedAsync(Cluster, bobAccount, C2s2, "bob-guess");
        await using var _u = unknown.Client;
        Assert.Equal("item-not-found", SmClient.FailedCondition(await unknown.ResumeAsync("AAAAAAAAAAAAAAAAAAAAAA", 0)));

        var again = await SmClient.AuthenticatedAsync(Cluster, bobAccount, C2s2, "bob-2");
        await using var _b = again.Client;
        Assert.Equal("resumed", (await again.ResumeAsync(previd, 0)).Name.LocalName); // bob's own session was still there
    }
}
