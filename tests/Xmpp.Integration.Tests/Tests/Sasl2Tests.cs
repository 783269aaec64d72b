using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Common.Sasl;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xmpp.Integration.Tests.Observability;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>
/// A cluster for SASL2: sm derives keys with another PBKDF2 count (5000) than xmppctl's default
/// (4096) makes accounts with, so accounts start stale (XEP-0480); c2s answers an address's
/// failures late after two.
/// </summary>
public sealed class Sasl2Cluster : IAsyncLifetime
{
    public const int Configured = 5000;
    public const int IpFreeFailures = 2;
    public static readonly TimeSpan IpBackoff = TimeSpan.FromMilliseconds(400);

    public Cluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await Cluster.StartAsync(new ClusterOptions
    {
        C2sCount = 1,
        ExtraArgs = new Dictionary<string, string[]>
        {
            ["c2s"] = [$"--C2s:AuthIpFreeFailures={IpFreeFailures}", $"--C2s:AuthIpBackoff={IpBackoff}", "--C2s:AuthIpMaxBackoff=00:00:02"],
            ["sm"] = [$"--Sm:ScramIterations={Configured}", "--Sm:AuthAccountFreeFailures=100000"],
        },
    });

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>
/// XEP-0388 SASL2, XEP-0386 Bind 2 and XEP-0480 SCRAM upgrade tasks through real processes, with a
/// raw-socket client that follows the XEPs' examples (<see cref="Sasl2Client"/>: no client in
/// Debian speaks SASL2; python3-slixmpp 1.8.3 does not).
/// </summary>
public sealed class Sasl2Tests(Sasl2Cluster fixture, ITestOutputHelper output) : IClassFixture<Sasl2Cluster>, IAsyncLifetime
{
    private const string Sasl2Ns = Sasl2Result.Ns;
    private Cluster Cluster => fixture.Cluster;
    private int Port => Cluster.C2s1Port;

    public Task InitializeAsync() => Task.CompletedTask;
    public Task DisposeAsync()
    {
        output.WriteLine(Cluster.OutputTail(40));
        return Task.CompletedTask;
    }

    private Task<TestClient> SecuredAsync(string name, IPAddress? from = null) =>
        TestClient.ConnectSecuredAsync(Port, name, () => Cluster.OutputTail(), from);

    private static IPAddress Loopback(int b) => new([127, 3, 0, (byte)b]);

    [Fact]
    public async Task The_secured_stream_offers_sasl2_with_bind2_and_upgrade_tasks()
    {
        await using var client = await TestClient.ConnectAsync(Port, "features", () => Cluster.OutputTail());
        var plain = await client.OpenStreamAsync();
        Assert.Null(plain.Element(XName.Get("authentication", Sasl2Ns))); // not before TLS
        var features = await client.StartTlsAsync();
        var authentication = features.Element(XName.Get("authentication", Sasl2Ns))!;
        Assert.Equal(features.Mechanisms(), authentication.Elements(XName.Get("mechanism", Sasl2Ns)).Select(m => m.Value));
        Assert.Contains("SCRAM-SHA-256-PLUS", features.Mechanisms());
        var bind = authentication.Element(XName.Get("inline", Sasl2Ns))!.Element(XName.Get("bind", "urn:xmpp:bind:0"))!;
        Assert.Equal(["urn:xmpp:carbons:2", "urn:xmpp:csi:0", "urn:xmpp:sm:3"], bind.Descendants(XName.Get("feature", "urn:xmpp:bind:0")).Select(f => (string)f.Attribute("var")!));
        Assert.Equal(["UPGR-SCRAM-SHA-256", "UPGR-SCRAM-SHA-1"], authentication.Elements(XName.Get("upgrade", "urn:xmpp:sasl:upgrade:0")).Select(u => u.Value));
    }

    [Fact]
    public async Task Scram_with_bind2_gives_a_full_jid_and_chats_with_a_legacy_client()
    {
        var alice = await Cluster.NewUserAsync("alice");
        var bob = await Cluster.NewUserAsync("bob");
        await using var a = await SecuredAsync("alice");
        var result = await a.Sasl2AuthenticateAsync(alice.Local, alice.Password, "SCRAM-SHA-256", bind: "<tag>AwesomeXMPP</tag>");
        Assert.True(result.Success, result.Answer.Text());
        var jid = result.AuthorizationIdentifier!;
        Assert.StartsWith(alice.Jid + "/AwesomeXMPP/", jid);
        Assert.NotNull(result.Bound);
        Assert.Null(result.Features!.Element(XName.Get("bind", Ns.Bind))); // already bound: no legacy bind offered

        await a.SendPresenceAsync();
        await using var b = await Cluster.LoginAsync(bob, Port);
        await b.SendAsync($"<message to='{jid}' type='chat' id='m1'><body>hello over SASL2</body></message>");
        var got = await a.ExpectAsync(e => e.IsMessage() && e.Body() == "hello over SASL2", TestClient.DefaultTimeout, "bob's message");
        Assert.Equal(b.Jid, got.Attr("from"));
        await a.SendAsync($"<message to='{b.Jid}' type='chat' id='m2'><body>hello back</body></message>");
        var back = await b.ExpectAsync(e => e.IsMessage() && e.Body() == "hello back", TestClient.DefaultTimeout, "alice's answer");
        Assert.Equal(jid, back.Attr("from"));
    }

    [Fact]
    public async Task Without_bind2_the_bare_jid_is_authorized_and_legacy_binding_follows_without_restart()
    {
        var carol = await Cluster.NewUserAsync("carol");
        await using var c = await SecuredAsync("carol");
        var result = await c.Sasl2AuthenticateAsync(carol.Local, carol.Password, "SCRAM-SHA-1");
        Assert.True(result.Success, result.Answer.Text());
        Assert.Equal(carol.Jid, result.AuthorizationIdentifier);
        Assert.NotNull(result.Features!.Element(XName.Get("bind", Ns.Bind)));
        Assert.StartsWith(carol.Jid + "/", await c.BindAsync("desk"));
        Assert.NotNull(await c.PingServerAsync());
    }

    [Fact]
    public async Task The_same_user_agent_id_gets_the_same_resource_and_replaces_the_old_session()
    {
        var dave = await Cluster.NewUserAsync("dave");
        var agent = Guid.NewGuid().ToString();
        await using var first = await SecuredAsync("dave-1");
        var one = await first.Sasl2AuthenticateAsync(dave.Local, dave.Password, bind: "<tag>Phone</tag>", userAgentId: agent);
        Assert.True(one.Success, one.Answer.Text());
        Assert.DoesNotContain(agent, one.AuthorizationIdentifier!);

        await using var second = await SecuredAsync("dave-2");
        var two = await second.Sasl2AuthenticateAsync(dave.Local, dave.Password, bind: "<tag>Phone</tag>", userAgentId: agent);
        Assert.True(two.Success, two.Answer.Text());
        Assert.Equal(one.AuthorizationIdentifier, two.AuthorizationIdentifier);
        await first.ExpectStreamErrorAsync("conflict"); // the reconnecting client replaced its old session

        await using var other = await SecuredAsync("dave-3");
        var three = await other.Sasl2AuthenticateAsync(dave.Local, dave.Password, bind: "<tag>Phone</tag>", userAgentId: Guid.NewGuid().ToString());
        Assert.NotEqual(one.AuthorizationIdentifier, three.AuthorizationIdentifier);
    }

    [Fact]
    public async Task A_wrong_password_gets_a_sasl2_failure_and_counts_for_the_back_off()
    {
        var erin = await Cluster.NewUserAsync("erin");
        var from = Loopback(1);
        var took = new List<TimeSpan>();
        for (var i = 0; i < Sasl2Cluster.IpFreeFailures + 1; i++)
        {
            await using var client = await SecuredAsync($"erin-wrong-{i}", from);
            var sw = Stopwatch.StartNew();
            var result = await client.Sasl2AuthenticateAsync(erin.Local, "not " + erin.Password, bind: "<tag>x</tag>");
            took.Add(sw.Elapsed);
            Assert.False(result.Success);
            Assert.Equal(XName.Get("failure", Sasl2Ns), result.Answer.Name);
            Assert.Equal("not-authorized", result.Condition);
        }
        // The free failures are answered at once, the next one is held back.
        Assert.True(took[^1] >= Sasl2Cluster.IpBackoff * 0.9, $"the failure beyond the free ones took {took[^1].TotalMilliseconds} ms");

        // The stream stays after a failure: the right password then works (and is never held back).
        await using var again = await SecuredAsync("erin-right", from);
        Assert.False((await again.Sasl2AuthenticateAsync(erin.Local, "wrong again")).Success);
        var ok = await again.Sasl2AuthenticateAsync(erin.Local, erin.Password);
        Assert.True(ok.Success, ok.Answer.Text());
    }

    [Fact]
    public async Task Plain_over_sasl2()
    {
        var frank = await Cluster.NewUserAsync("frank");
        await using var client = await SecuredAsync("frank");
        var result = await client.Sasl2AuthenticateAsync(frank.Local, frank.Password, "PLAIN", bind: "<tag>Plain</tag>");
        Assert.True(result.Success, result.Answer.Text());
        Assert.StartsWith(frank.Jid + "/Plain/", result.AuthorizationIdentifier);
        Assert.Null(result.Answer.Element(XName.Get("additional-data", Sasl2Ns)));
    }

    [Fact]
    public async Task Scram_plus_with_channel_binding_over_sasl2()
    {
        var gina = await Cluster.NewUserAsync("gina");
        await using var client = await SecuredAsync("gina");
        var result = await client.Sasl2AuthenticateAsync(gina.Local, gina.Password, "SCRAM-SHA-256-PLUS", bind: "<tag>Plus</tag>",
            channelBinding: ("p=tls-server-end-point", client.ServerEndPointBinding()));
        Assert.True(result.Success, result.Answer.Text());

        // Another connection's binding data (a MITM's) fails.
        await using var mitm = await SecuredAsync("gina-mitm");
        var wrong = await mitm.Sasl2AuthenticateAsync(gina.Local, gina.Password, "SCRAM-SHA-256-PLUS", channelBinding: ("p=tls-server-end-point", new byte[32]));
        Assert.Equal("not-authorized", wrong.Condition);
    }

    [Fact]
    public async Task Abort_is_answered_aborted_and_counted()
    {
        var hank = await Cluster.NewUserAsync("hank");
        var failedBefore = Scrape.Value(await Scrape.MetricsAsync(Cluster.MetricsPortOf(Cluster.Sm)), "xmpp_sm_auth_failures_total", "step=\"abort\"") ?? 0;
        await using var client = await SecuredAsync("hank", Loopback(2));
        var result = await client.Sasl2AuthenticateAsync(hank.Local, hank.Password, abortAfterChallenge: true);
        Assert.Equal(XName.Get("failure", Sasl2Ns), result.Answer.Name);
        Assert.Equal("aborted", result.Condition);
        await Scrape.UntilAsync(Cluster.MetricsPortOf(Cluster.Sm),
            m => Scrape.Value(m, "xmpp_sm_auth_failures_total", "step=\"abort\"") >= failedBefore + 1, TimeSpan.FromSeconds(10), "the abort counted by sm");
        var ok = await client.Sasl2AuthenticateAsync(hank.Local, hank.Password);
        Assert.True(ok.Success, ok.Answer.Text());
    }

    [Fact]
    public async Task Carbons_enabled_inline_deliver_a_carbon()
    {
        var ivy = await Cluster.NewUserAsync("ivy");
        var jack = await Cluster.NewUserAsync("jack");
        await using var phone = await SecuredAsync("ivy-phone");
        var result = await phone.Sasl2AuthenticateAsync(ivy.Local, ivy.Password, bind: "<tag>Phone</tag><enable xmlns='urn:xmpp:carbons:2'/>");
        Assert.True(result.Success, result.Answer.Text());
        await phone.SendPresenceAsync();
        await using var desk = await Cluster.LoginAsync(ivy, Port, "desk");
        await using var j = await Cluster.LoginAsync(jack, Port);

        await desk.SendAsync($"<message to='{j.Jid}' type='chat' id='c1'><body>sent from the desk</body></message>");
        await j.ExpectAsync(e => e.IsMessage() && e.Body() == "sent from the desk", TestClient.DefaultTimeout, "the message itself");
        var carbon = await phone.ExpectAsync(e => e.IsMessage() && e.Child("urn:xmpp:carbons:2", "sent") is not null, TestClient.DefaultTimeout, "a <sent/> carbon");
        Assert.Contains("sent from the desk", carbon.Text());
        // The iq c2s sent sm on the client's behalf was answered to c2s, not to the client.
        Assert.DoesNotContain(phone.History, e => e.IsIq() && (e.Attr("id") ?? "").StartsWith("bind2-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Csi_inactive_inline_starts_the_session_inactive()
    {
        var kim = await Cluster.NewUserAsync("kim");
        var lee = await Cluster.NewUserAsync("lee");
        var c2s = Cluster.MetricsPortOf(Cluster.C2s1);
        var inactiveBefore = Scrape.Value(await Scrape.MetricsAsync(c2s), "xmpp_c2s_csi_states_total", "state=\"inactive\"") ?? 0;
        await using var k = await SecuredAsync("kim");
        var result = await k.Sasl2AuthenticateAsync(kim.Local, kim.Password, bind: "<tag>T</tag><inactive xmlns='urn:xmpp:csi:0'/>");
        Assert.True(result.Success, result.Answer.Text());
        Assert.NotNull(result.Features!.Element(XName.Get("csi", "urn:xmpp:csi:0")));
        await Scrape.UntilAsync(c2s, m => Scrape.Value(m, "xmpp_c2s_csi_states_total", "state=\"inactive\"") >= inactiveBefore + 1,
            TimeSpan.FromSeconds(10), "the session started inactive");
        // A message is important: it comes through at once while inactive.
        await using var l = await Cluster.LoginAsync(lee, Port);
        await l.SendAsync($"<message to='{result.AuthorizationIdentifier}' type='chat'><body>urgent</body></message>");
        await k.ExpectAsync(e => e.IsMessage() && e.Body() == "urgent", TestClient.DefaultTimeout, "the message");
    }

    /// <summary>The iteration count (i=) a SASL2 SCRAM challenge announces for <paramref name="account"/>; the exchange is then aborted.</summary>
    private async Task<int> AnnouncedAsync(Account account, string mechanism)
    {
        await using var client = await SecuredAsync("probe", Loopback(9));
        var scram = new ScramClient(ScramAlgorithm.ByMechanism(mechanism)!, account.Local, "whatever");
        await client.SendAsync($"<authenticate xmlns='{Sasl2Ns}' mechanism='{mechanism}'><initial-response>{Convert.ToBase64String(Encoding.UTF8.GetBytes(scram.ClientFirst()))}</initial-response></authenticate>");
        var challenge = await client.ExpectAsync(e => e.Name == XName.Get("challenge", Sasl2Ns), TestClient.DefaultTimeout, "a SASL2 <challenge/>");
        await client.SendAsync($"<abort xmlns='{Sasl2Ns}'/>");
        await client.ExpectAsync(e => e.Name == XName.Get("failure", Sasl2Ns), TestClient.DefaultTimeout, "<failure><aborted/></failure>");
        var serverFirst = Encoding.UTF8.GetString(Convert.FromBase64String(challenge.Value.Trim()));
        return int.Parse(serverFirst.Split(',').Single(p => p.StartsWith("i=", StringComparison.Ordinal))[2..], CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Scram_upgrade_tasks_move_a_stale_account_to_the_configured_count()
    {
        const int Configured = Sasl2Cluster.Configured;
        var old = ScramAlgorithm.DefaultIterations;
        var mia = await Cluster.NewUserAsync("mia"); // xmppctl's default count
        Assert.Equal(old, await AnnouncedAsync(mia, "SCRAM-SHA-256"));
        Assert.Equal(old, await AnnouncedAsync(mia, "SCRAM-SHA-1"));
        var sm = Cluster.MetricsPortOf(Cluster.Sm);
        double Upgraded(string m, string mechanism) => Scrape.Value(m, "xmpp_sm_auth_upgraded_total", $"mechanism=\"{mechanism}\"") ?? 0;
        var before = await Scrape.MetricsAsync(sm);

        await using (var client = await SecuredAsync("mia-upgrade"))
        {
            var result = await client.Sasl2AuthenticateAsync(mia.Local, mia.Password, "SCRAM-SHA-1", bind: "<tag>Up</tag>",
                upgrades: ["UPGR-SCRAM-SHA-256", "UPGR-SCRAM-SHA-1"]);
            Assert.True(result.Success, result.Answer.Text());
            Assert.Equal(2, result.Continues.Count); // one task per <continue/>
            Assert.StartsWith(mia.Jid + "/Up/", result.AuthorizationIdentifier);
        }
        Assert.Equal(Configured, await AnnouncedAsync(mia, "SCRAM-SHA-256"));
        Assert.Equal(Configured, await AnnouncedAsync(mia, "SCRAM-SHA-1"));
        await Scrape.UntilAsync(sm, m => Upgraded(m, "SCRAM-SHA-256") == Upgraded(before, "SCRAM-SHA-256") + 1
                                         && Upgraded(m, "SCRAM-SHA-1") == Upgraded(before, "SCRAM-SHA-1") + 1, TimeSpan.FromSeconds(10), "two upgraded mechanisms");

        // The same password logs in with every mechanism; asked again, no task is needed.
        foreach (var mechanism in new[] { "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN" })
        {
            await using var client = await SecuredAsync("mia-" + mechanism);
            var again = await client.Sasl2AuthenticateAsync(mia.Local, mia.Password, mechanism, upgrades: ["UPGR-SCRAM-SHA-256"]);
            Assert.True(again.Success, again.Answer.Text());
            Assert.Empty(again.Continues);
        }
        await using (var legacy = await Cluster.LoginAsync(mia, Port, "legacy", "SCRAM-SHA-256")) { }
    }

    [Fact]
    public async Task Anything_but_sasl2_during_a_sasl2_exchange_ends_the_stream()
    {
        var nora = await Cluster.NewUserAsync("nora");
        await using var client = await SecuredAsync("nora");
        var scram = new ScramClient(ScramAlgorithm.Sha256, nora.Local, nora.Password);
        await client.SendAsync($"<authenticate xmlns='{Sasl2Ns}' mechanism='SCRAM-SHA-256'><initial-response>{Convert.ToBase64String(Encoding.UTF8.GetBytes(scram.ClientFirst()))}</initial-response></authenticate>");
        await client.ExpectAsync(e => e.Name == XName.Get("challenge", Sasl2Ns), TestClient.DefaultTimeout, "a SASL2 <challenge/>");
        await client.SendAsync("<iq type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>");
        await client.ExpectStreamErrorAsync("policy-violation");
    }
}
