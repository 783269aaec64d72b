using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xmpp.Integration.Tests.Observability;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>
/// XEP-0484 FAST through real processes (c2s advertises and relays, sm issues, stores and checks
/// the tokens), with a raw-socket client that follows the XEP's examples and the HT draft
/// (<see cref="FastClient"/>: no client in Debian speaks FAST; python3-slixmpp 1.8.3 does not).
/// </summary>
public sealed class FastTests(FastTests.FastCluster fixture, ITestOutputHelper output) : IClassFixture<FastTests.FastCluster>, IAsyncLifetime
{
    public sealed class FastCluster : IAsyncLifetime
    {
        public Cluster Cluster { get; private set; } = null!;

        public async Task InitializeAsync() => Cluster = await Cluster.StartAsync(new ClusterOptions
        {
            C2sCount = 1,
            ExtraArgs = new Dictionary<string, string[]> { ["sm"] = ["--Sm:AuthAccountFreeFailures=100000"] },
        });

        public async Task DisposeAsync() => await Cluster.DisposeAsync();
    }

    private Cluster Cluster => fixture.Cluster;
    private int Port => Cluster.C2s1Port;

    public Task InitializeAsync() => Task.CompletedTask;
    public Task DisposeAsync()
    {
        output.WriteLine(Cluster.OutputTail(40));
        return Task.CompletedTask;
    }

    private Task<TestClient> SecuredAsync(string name) => FastSteps.SecuredAsync(Cluster, Port, name);

    [Fact]
    public async Task The_secured_stream_offers_fast_inline_in_sasl2_channel_bound_first_and_none()
    {
        await using var client = await TestClient.ConnectAsync(Port, "features", () => Cluster.OutputTail());
        Assert.Empty((await client.OpenStreamAsync()).FastMechanisms()); // no SASL2, so no FAST, before TLS
        var fast = (await client.StartTlsAsync()).FastMechanisms();
        Assert.Contains("HT-SHA-256-ENDP", fast);
        Assert.Equal("HT-SHA-256-NONE", fast[^1]);
        Assert.All(fast, m => Assert.Contains(m, new[] { "HT-SHA-256-EXPR", "HT-SHA-256-ENDP", "HT-SHA-256-UNIQ", "HT-SHA-256-NONE" }));
        Assert.DoesNotContain(client.Features.Element(XName.Get("mechanisms", "urn:ietf:params:xml:ns:xmpp-sasl"))!.Elements(), m => m.Value.StartsWith("HT-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_password_login_gets_a_token_and_the_token_logs_in_in_one_round_trip_and_chats()
    {
        var alice = await Cluster.NewUserAsync("alice");
        var bob = await Cluster.NewUserAsync("bob");
        var issuedBefore = await FastSteps.MetricAsync(Cluster, "xmpp_sm_fast_issued_total", "reason=\"requested\"");
        string token;

        await using (var first = await SecuredAsync("alice-password"))
        {
            var login = await first.RequestTokenAsync(alice.Local, alice.Password, "HT-SHA-256-NONE", FastSteps.Phone, bind: "<tag>AwesomeXMPP</tag>");
            Assert.True(login.Success, login.Answer.Text());
            var issued = FastToken.Of(login);
            Assert.NotNull(issued);
            Assert.StartsWith("secret-token:fast-", issued.Token);
            Assert.InRange(issued.Expiry, DateTimeOffset.UtcNow.AddDays(14).AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(14).AddMinutes(5)); // Sm:Fast:TokenLifetime
            token = issued.Token;
        }
        await FastSteps.MetricUntilAsync(Cluster, "xmpp_sm_fast_issued_total", "reason=\"requested\"", issuedBefore + 1);

        await using var a = await SecuredAsync("alice-fast");
        var fast = await a.FastAuthenticateAsync(alice.Local, token, "HT-SHA-256-NONE", FastSteps.Phone, bind: "<tag>AwesomeXMPP</tag>");
        Assert.True(fast.Success, fast.Answer.Text());
        Assert.Null(FastToken.Of(fast)); // not asked, not due for rotation
        var jid = fast.AuthorizationIdentifier!;
        Assert.StartsWith(alice.Jid + "/AwesomeXMPP/", jid);

        await a.SendPresenceAsync();
        await using var b = await Cluster.LoginAsync(bob, Port);
        await b.SendAsync($"<message to='{jid}' type='chat' id='f1'><body>hello over FAST</body></message>");
        var got = await a.ExpectAsync(e => e.IsMessage() && e.Body() == "hello over FAST", TestClient.DefaultTimeout, "bob's message");
        Assert.Equal(b.Jid, got.Attr("from"));
        await a.SendAsync($"<message to='{b.Jid}' type='chat' id='f2'><body>hello back</body></message>");
        Assert.Equal(jid, (await b.ExpectAsync(e => e.IsMessage() && e.Body() == "hello back", TestClient.DefaultTimeout, "alice's answer")).Attr("from"));
    }

    [Fact]
    public async Task A_channel_bound_token_logs_in_with_this_connections_binding_and_fails_with_another()
    {
        var carol = await Cluster.NewUserAsync("carol");
        string token;
        await using (var first = await SecuredAsync("carol-password"))
        {
            var login = await first.RequestTokenAsync(carol.Local, carol.Password, "HT-SHA-256-ENDP", FastSteps.Phone);
            token = FastToken.Of(login)?.Token ?? throw new InvalidOperationException("no token: " + login.Answer.Text());
        }

        await using (var mitm = await SecuredAsync("carol-mitm"))
        {
            var wrong = await mitm.FastAuthenticateAsync(carol.Local, token, "HT-SHA-256-ENDP", FastSteps.Phone, channelBinding: new byte[32]);
            Assert.Equal("not-authorized", wrong.Condition);
        }
        await using (var none = await SecuredAsync("carol-none"))
        {
            // XEP-0484 §3.4: a token bound to a channel-binding mechanism fails without channel binding.
            var unbound = await none.FastAuthenticateAsync(carol.Local, token, "HT-SHA-256-NONE", FastSteps.Phone);
            Assert.Equal("not-authorized", unbound.Condition);
        }
        await using var c = await SecuredAsync("carol-fast");
        var ok = await c.FastAuthenticateAsync(carol.Local, token, "HT-SHA-256-ENDP", FastSteps.Phone, channelBinding: c.ServerEndPointBinding(), bind: "<tag>Plus</tag>");
        Assert.True(ok.Success, ok.Answer.Text());
        Assert.NotNull(ok.Bound);
    }

    [Fact]
    public async Task Wrong_foreign_and_invalidated_tokens_fail_not_authorized()
    {
        var dave = await Cluster.NewUserAsync("dave");
        var refusedBefore = await FastSteps.MetricAsync(Cluster, "xmpp_sm_fast_refused_total", "reason=\"mismatch\"");
        string token;
        await using (var first = await SecuredAsync("dave-password"))
            token = FastToken.Of(await first.RequestTokenAsync(dave.Local, dave.Password, "HT-SHA-256-NONE", FastSteps.Phone))!.Token;

        await using (var wrong = await SecuredAsync("dave-wrong"))
            Assert.Equal("not-authorized", (await wrong.FastAuthenticateAsync(dave.Local, token + "x", "HT-SHA-256-NONE", FastSteps.Phone)).Condition);
        await using (var other = await SecuredAsync("dave-other-client"))
            Assert.Equal("not-authorized", (await other.FastAuthenticateAsync(dave.Local, token, "HT-SHA-256-NONE", "another-device")).Condition);
        await using (var nobody = await SecuredAsync("nobody"))
            Assert.Equal("not-authorized", (await nobody.FastAuthenticateAsync("nobody-" + Guid.NewGuid().ToString("N")[..8], token, "HT-SHA-256-NONE", FastSteps.Phone)).Condition);

        // Log out with invalidate: that login succeeds without a new token; the token is dead afterwards.
        await using (var logout = await SecuredAsync("dave-logout"))
        {
            var last = await logout.FastAuthenticateAsync(dave.Local, token, "HT-SHA-256-NONE", FastSteps.Phone, fastAttributes: " invalidate='true'");
            Assert.True(last.Success, last.Answer.Text());
            Assert.Null(FastToken.Of(last));
        }
        await using (var after = await SecuredAsync("dave-after"))
        {
            var refused = await after.FastAuthenticateAsync(dave.Local, token, "HT-SHA-256-NONE", FastSteps.Phone);
            Assert.Equal(XName.Get("failure", Sasl2Result.Ns), refused.Answer.Name);
            Assert.Equal("not-authorized", refused.Condition);
            // The client falls back to its password on the same stream (XEP-0484 §4.1).
            var password = await after.Sasl2AuthenticateAsync(dave.Local, dave.Password);
            Assert.True(password.Success, password.Answer.Text());
        }
        await FastSteps.MetricUntilAsync(Cluster, "xmpp_sm_fast_refused_total", "reason=\"mismatch\"", refusedBefore + 4);
    }

    [Fact]
    public async Task After_a_password_change_the_token_is_refused()
    {
        var erin = await Cluster.NewUserAsync("erin");
        string token;
        await using (var first = await SecuredAsync("erin-password"))
            token = FastToken.Of(await first.RequestTokenAsync(erin.Local, erin.Password, "HT-SHA-256-NONE", FastSteps.Phone))!.Token;

        var changed = await Cluster.CtlAsync(["passwd", erin.Jid, "-"], stdin: "a new password");
        Assert.True(changed.ExitCode == 0, $"passwd: {changed}");

        await using var after = await SecuredAsync("erin-after");
        Assert.Equal("not-authorized", (await after.FastAuthenticateAsync(erin.Local, token, "HT-SHA-256-NONE", FastSteps.Phone)).Condition);
    }

    [Fact]
    public async Task A_rotated_token_replaces_the_old_one_once_used()
    {
        var fred = await Cluster.NewUserAsync("fred");
        string first;
        await using (var c = await SecuredAsync("fred-password"))
            first = FastToken.Of(await c.RequestTokenAsync(fred.Local, fred.Password, "HT-SHA-256-NONE", FastSteps.Phone))!.Token;

        // A token login asking for a new token gets one; the old one works until the new one is used.
        string second;
        await using (var c = await SecuredAsync("fred-rotate"))
        {
            var rotated = await c.FastAuthenticateAsync(fred.Local, first, "HT-SHA-256-NONE", FastSteps.Phone,
                extraXml: $"<request-token xmlns='{FastToken.Ns}' mechanism='HT-SHA-256-NONE'/>");
            second = FastToken.Of(rotated)?.Token ?? throw new InvalidOperationException("no new token: " + rotated.Answer.Text());
        }
        Assert.NotEqual(first, second);
        await using (var c = await SecuredAsync("fred-old"))
            Assert.True((await c.FastAuthenticateAsync(fred.Local, first, "HT-SHA-256-NONE", FastSteps.Phone)).Success);
        await using (var c = await SecuredAsync("fred-new"))
            Assert.True((await c.FastAuthenticateAsync(fred.Local, second, "HT-SHA-256-NONE", FastSteps.Phone)).Success);
        await using (var c = await SecuredAsync("fred-old-again"))
            Assert.Equal("not-authorized", (await c.FastAuthenticateAsync(fred.Local, first, "HT-SHA-256-NONE", FastSteps.Phone)).Condition);
    }
}

/// <summary>FAST tokens in sm's database survive kill -9 of sm. Its own cluster, since it kills sm.</summary>
public sealed partial class FastRestartTests(ITestOutputHelper output)
{
    private static readonly TimeSpan RelinkTimeout = TimeSpan.FromSeconds(30);

    [GeneratedRegex(@"Session manager sm/localhost is up")]
    private static partial Regex SmUp();

    [Fact]
    public async Task A_token_still_logs_in_after_sm_restarts()
    {
        await using var cluster = await Cluster.StartAsync(new ClusterOptions { C2sCount = 1 });
        try
        {
            var gina = await cluster.NewUserAsync("gina");
            string token;
            await using (var first = await FastSteps.SecuredAsync(cluster, cluster.C2s1Port, "gina-password"))
                token = FastToken.Of(await first.RequestTokenAsync(gina.Local, gina.Password, "HT-SHA-256-NONE", FastSteps.Phone))!.Token;

            var c2sLines = cluster.C2sInstances.Select(c => c.LineCount).ToArray();
            cluster.Sm.Kill9();
            await cluster.Sm.Exited.WaitAsync(RelinkTimeout);
            await cluster.RestartSmAsync();
            await Task.WhenAll(cluster.C2sInstances.Select((c, i) => c.WaitForLineAsync(SmUp(), RelinkTimeout, c2sLines[i])));

            await using var again = await FastSteps.SecuredAsync(cluster, cluster.C2s1Port, "gina-fast");
            var fast = await again.FastAuthenticateAsync(gina.Local, token, "HT-SHA-256-NONE", FastSteps.Phone, bind: "<tag>Restart</tag>");
            Assert.True(fast.Success, fast.Answer.Text());
        }
        finally
        {
            output.WriteLine(cluster.OutputTail(60));
        }
    }
}

/// <summary>An expired token fails with credentials-expired (XEP-0484 §4.2), then is gone. Its own cluster: tokens live 2 s there.</summary>
public sealed class FastExpiryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_expired_token_fails_credentials_expired_and_then_not_authorized()
    {
        await using var cluster = await Cluster.StartAsync(new ClusterOptions
        {
            C2sCount = 1,
            ExtraArgs = new Dictionary<string, string[]> { ["sm"] = ["--Sm:Fast:TokenLifetime=00:00:02"] },
        });
        try
        {
            var hank = await cluster.NewUserAsync("hank");
            FastToken issued;
            await using (var first = await FastSteps.SecuredAsync(cluster, cluster.C2s1Port, "hank-password"))
                issued = FastToken.Of(await first.RequestTokenAsync(hank.Local, hank.Password, "HT-SHA-256-NONE", FastSteps.Phone))!;

            // Wait for the expiry the server announced (the XEP-0082 time has whole seconds), not a guess.
            var wait = issued.Expiry - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1);
            Assert.InRange(wait, TimeSpan.Zero, TimeSpan.FromSeconds(4));
            await Task.Delay(wait);

            await using var late = await FastSteps.SecuredAsync(cluster, cluster.C2s1Port, "hank-late");
            Assert.Equal("credentials-expired", (await late.FastAuthenticateAsync(hank.Local, issued.Token, "HT-SHA-256-NONE", FastSteps.Phone)).Condition);
            Assert.Equal("not-authorized", (await late.FastAuthenticateAsync(hank.Local, issued.Token, "HT-SHA-256-NONE", FastSteps.Phone)).Condition);
        }
        finally
        {
            output.WriteLine(cluster.OutputTail(60));
        }
    }
}

/// <summary>What the FAST tests share.</summary>
internal static class FastSteps
{
    /// <summary>The XEP-0388 example's user-agent id.</summary>
    public const string Phone = "d4565fa7-4d72-4749-b3d3-740edbf87770";

    public static Task<TestClient> SecuredAsync(Cluster cluster, int port, string name) =>
        TestClient.ConnectSecuredAsync(port, name, () => cluster.OutputTail());

    public static async Task<double> MetricAsync(Cluster cluster, string name, string label) =>
        Scrape.Value(await Scrape.MetricsAsync(cluster.MetricsPortOf(cluster.Sm)), name, label) ?? 0;

    /// <summary>Waits until sm's counter reaches <paramref name="atLeast"/> (metrics are exported on an interval).</summary>
    public static Task MetricUntilAsync(Cluster cluster, string name, string label, double atLeast) =>
        Scrape.UntilAsync(cluster.MetricsPortOf(cluster.Sm), m => (Scrape.Value(m, name, label) ?? 0) >= atLeast, TimeSpan.FromSeconds(10), $"{name}{{{label}}} >= {atLeast}");
}
