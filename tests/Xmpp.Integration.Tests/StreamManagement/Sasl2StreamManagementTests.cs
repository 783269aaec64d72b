using System.Xml.Linq;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.StreamManagement;

/// <summary>
/// XEP-0198 negotiated inline, through real processes on the shared two-c2s cluster: &lt;enable/&gt;
/// inside a XEP-0386 &lt;bind/&gt; (answered inside &lt;bound/&gt;) and &lt;resume/&gt; inside a XEP-0388
/// &lt;authenticate/&gt; (answered inside &lt;success/&gt;, on either c2s), with the raw
/// <see cref="Sasl2Client"/> (no client in Debian speaks SASL2).
/// </summary>
public sealed class Sasl2StreamManagementTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    private const string EnableInline = $"<enable xmlns='{SmClient.Ns}' resume='true'/>";

    private async Task<TestClient> SecuredAsync(int port, string name)
    {
        var client = await ConnectAsync(port, name);
        await client.OpenStreamAsync();
        var features = await client.StartTlsAsync();
        var authentication = features.Element(XName.Get("authentication", Sasl2Result.Ns))!;
        var inline = authentication.Element(XName.Get("inline", Sasl2Result.Ns))!;
        Assert.NotNull(inline.Element(XName.Get("sm", SmClient.Ns))); // XEP-0198: resumption inline
        Assert.Contains(SmClient.Ns, inline.Element(XName.Get("bind", "urn:xmpp:bind:0"))!.Descendants(XName.Get("feature", "urn:xmpp:bind:0")).Select(f => (string?)f.Attribute("var")));
        return client;
    }

    private static string Resume(string previd, uint h) => $"<resume xmlns='{SmClient.Ns}' previd='{previd}' h='{h}'/>";

    [Fact]
    public async Task A_bind2_login_enables_inline_and_a_dropped_client_resumes_inline_on_either_c2s_getting_everything_exactly_once()
    {
        var aliceAccount = await Cluster.NewUserAsync("s2sender");
        var bobAccount = await Cluster.NewUserAsync("s2resumer");
        var alice = await LoginAsync(aliceAccount, C2s2, "a");

        var first = new SmClient(await SecuredAsync(C2s1, "bob@c2s-1"));
        var login = await first.Client.Sasl2AuthenticateAsync(bobAccount.Local, bobAccount.Password, bind: "<tag>Phone</tag>" + EnableInline);
        Assert.True(login.Success, login.Answer.ToString());
        var enabled = first.OnSasl2Success(login.Answer)!;
        Assert.Equal("enabled", enabled.Name.LocalName);
        Assert.Equal("true", enabled.Attr("resume"));
        var previd = enabled.Attr("id");
        Assert.False(string.IsNullOrEmpty(previd));
        var bobJid = login.AuthorizationIdentifier!;
        Assert.StartsWith(bobAccount.Jid + "/Phone/", bobJid);
        await first.Client.SendPresenceAsync();

        var sent = 0;
        async Task SendAsync(int n)
        {
            for (var i = 0; i < n; i++) await alice.SendAsync($"<message to='{bobJid}' type='chat'><body>r-{++sent}</body></message>");
        }

        await SendAsync(3);
        await first.Client.ExpectAsync(e => e.IsMessage() && e.Body() == "r-3");
        Assert.Equal(1u, await first.RequestAckAsync()); // sm counts the client's stanzas from the <success/> that enabled: its presence

        var current = first;
        List<SmClient> connections = [first];
        // Dropped twice: resumed on the other c2s, then on the first again.
        foreach (var (port, name) in new[] { (C2s2, "bob@c2s-2"), (C2s1, "bob@c2s-1-again") })
        {
            var handled = current.Handled;
            current.Client.Abort(); // no </stream:stream>: the session is detached (the harness disposes the client)
            await SendAsync(3); // meanwhile
            await alice.PingServerAsync(); // sm has taken them

            var next = new SmClient(await SecuredAsync(port, name));
            connections.Add(next);
            // Bind 2 asked too: skipped, since the resumption succeeds (XEP-0388).
            var again = await next.Client.Sasl2AuthenticateAsync(bobAccount.Local, bobAccount.Password, bind: "<tag>Phone</tag>" + EnableInline,
                extraXml: Resume(previd!, handled));
            Assert.True(again.Success, again.Answer.ToString());
            var resumed = next.OnSasl2Success(again.Answer, handled)!;
            Assert.Equal("resumed", resumed.Name.LocalName);
            Assert.Equal(previd, resumed.Attr("previd"));
            Assert.Null(again.Bound);
            Assert.Equal(bobJid, again.AuthorizationIdentifier); // the resumed full JID

            await next.Client.ExpectAsync(e => e.IsMessage() && e.Body() == $"r-{sent}");
            await next.Client.PingServerAsync(); // everything sm had for bob has arrived before the pong
            // What was sent meanwhile came after <success/>, never before it.
            var history = next.Client.History.ToList();
            var successAt = history.IndexOf(again.Answer);
            Assert.True(successAt >= 0);
            Assert.DoesNotContain(history.Take(successAt), e => e.IsMessage());
            current = next;
        }

        // The resumed session is live both ways, and counting went on from the resumed h.
        await current.Client.SendAsync($"<message to='{alice.Jid}' type='chat'><body>from-bob</body></message>");
        await alice.ExpectAsync(e => e.IsMessage() && e.Body() == "from-bob" && e.Attr("from") == bobJid);
        await current.RequestAckAsync();

        var got = connections.SelectMany(c => SmClient.Bodies(c.Client, "r-")).ToList();
        Assert.Equal(Enumerable.Range(1, sent).Select(i => $"r-{i}"), got); // none lost, none twice, in order
    }

    [Fact]
    public async Task A_failed_inline_resumption_falls_back_to_the_bind2_also_asked_for()
    {
        var account = await Cluster.NewUserAsync("s2fallback");
        var client = await SecuredAsync(C2s2, "fallback");
        var sm = new SmClient(client);
        var result = await client.Sasl2AuthenticateAsync(account.Local, account.Password, bind: "<tag>Laptop</tag>" + EnableInline,
            extraXml: Resume("AAAAAAAAAAAAAAAAAAAAAA", 0));
        Assert.True(result.Success, result.Answer.ToString());
        var failed = result.Answer.Element(XName.Get("failed", SmClient.Ns))!;
        Assert.Equal("item-not-found", SmClient.FailedCondition(failed));
        Assert.NotNull(result.Bound);
        Assert.StartsWith(account.Jid + "/Laptop/", result.AuthorizationIdentifier);
        var enabled = sm.OnSasl2Success(result.Answer)!;
        Assert.Equal("enabled", enabled.Name.LocalName); // the bind's own inline enable, in <bound/>
        Assert.Same(enabled, result.Bound!.Element(XName.Get("enabled", SmClient.Ns)));

        await client.PingServerAsync(); // the stream is bound and live
        Assert.Equal(1u, sm.Handled);
        Assert.Equal(1u, await sm.RequestAckAsync());
    }

    [Fact]
    public async Task A_malformed_inline_resumption_without_bind2_leaves_the_stream_authenticated()
    {
        var account = await Cluster.NewUserAsync("s2nobind");
        var client = await SecuredAsync(C2s1, "nobind");
        var result = await client.Sasl2AuthenticateAsync(account.Local, account.Password, extraXml: $"<resume xmlns='{SmClient.Ns}' h='x'/>");
        Assert.True(result.Success, result.Answer.ToString());
        Assert.Equal("bad-request", SmClient.FailedCondition(result.Answer.Element(XName.Get("failed", SmClient.Ns))!));
        Assert.Equal(account.Jid, result.AuthorizationIdentifier);
        Assert.Null(result.Bound);
        var jid = await client.BindAsync("legacy"); // the client binds the legacy way
        Assert.StartsWith(account.Jid + "/", jid);
    }
}
