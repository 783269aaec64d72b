using System.Text;
using System.Text.RegularExpressions;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Observability;

/// <summary>
/// Issue #5: one message is one trace across processes (judged by 1), `xmppctl trace` shows the
/// frames of a message (judged by 3), metrics on Prometheus and OTLP, and trace ids in the logs.
/// All against one cluster exporting to an OTLP receiver inside the test.
/// </summary>
public sealed class TracingTests(TelemetryClusterFixture fixture, ITestOutputHelper output) : IClassFixture<TelemetryClusterFixture>, IAsyncLifetime
{
    private static readonly TimeSpan ExportTimeout = TimeSpan.FromSeconds(20);
    private readonly List<TestClient> _clients = [];
    private Cluster Cluster => fixture.Cluster;
    private OtlpReceiver Receiver => fixture.Receiver;

    [Fact]
    public async Task A_message_from_alice_on_c2s1_to_bob_on_c2s2_is_one_trace_receive_route_handle_route_deliver_without_its_body()
    {
        var aliceAccount = await Cluster.NewUserAsync("alice");
        var alice = await LoginAsync(aliceAccount, Cluster.C2s1Port, "phone");
        var bob = await LoginAsync(await Cluster.NewUserAsync("bob"), Cluster.C2s2Port, "laptop");
        var body = $"the body text {Guid.NewGuid():N} must never be exported";

        var sentAt = DateTime.UtcNow.AddMilliseconds(-5);
        await alice.SendAsync($"<message to='{bob.Jid}' type='chat' id='traced'><body>{body}</body></message>");
        await bob.ExpectAsync(s => s.IsMessage() && s.Body() == body);

        // c2s-1 "stanza receive" -> router "route packet" -> sm "handle packet" -> router "route packet" -> c2s-2 "stanza deliver"
        var chain = await Receiver.WaitForAsync(r => Chain(r.Spans, sentAt), ExportTimeout, "complete trace of the message");
        foreach (var span in chain) output.WriteLine(span.ToString());
        var (receive, route1, handle, route2, deliver) = (chain[0], chain[1], chain[2], chain[3], chain[4]);

        Assert.All(chain, s => Assert.Equal(receive.TraceId, s.TraceId));
        Assert.Equal("", receive.ParentSpanId); // the stanza starts the trace
        Assert.Equal(receive.SpanId, route1.ParentSpanId);
        Assert.Equal(route1.SpanId, handle.ParentSpanId);
        Assert.Equal(handle.SpanId, route2.ParentSpanId);
        Assert.Equal(route2.SpanId, deliver.ParentSpanId);

        Assert.Equal(("xmpp-c2s", "c2s/c2s-1", "Xmpp.C2s"), (receive.Service, receive.Instance, receive.Scope));
        Assert.Equal(("xmpp-router", "Xmpp.Router"), (route1.Service, route1.Scope));
        Assert.Equal(("xmpp-sm", "sm/localhost", "Xmpp.Sm"), (handle.Service, handle.Instance, handle.Scope));
        Assert.Equal(("xmpp-router", "Xmpp.Router"), (route2.Service, route2.Scope));
        Assert.Equal(("xmpp-c2s", "c2s/c2s-2", "Xmpp.C2s"), (deliver.Service, deliver.Instance, deliver.Scope));

        // attributes: kinds, types, domains, component addresses, sizes, session ids, failed flags
        Assert.Equal("chat", receive["xmpp.stanza.type"]);
        Assert.Equal("localhost", receive["xmpp.stanza.to_domain"]);
        Assert.Equal("sm/localhost", receive["xmpp.frame.to"]);
        Assert.True(receive["xmpp.stanza.size"] is long size && size > body.Length, $"stanza size {receive["xmpp.stanza.size"]}");
        Assert.NotNull(receive["xmpp.c2s.session"]);
        Assert.Equal(("c2s/c2s-1", "sm/localhost"), (route1["xmpp.frame.from"], route1["xmpp.frame.to"]));
        Assert.True(route1["xmpp.frame.size"] is long frameSize && frameSize > body.Length);
        Assert.Equal("delivery", handle["xmpp.sm.module"]);
        Assert.Equal("message/full", handle["xmpp.sm.hook"]);
        Assert.Equal(("sm/localhost", "c2s/c2s-2"), (route2["xmpp.frame.from"], route2["xmpp.frame.to"]));
        Assert.Equal("message", deliver["xmpp.stanza.kind"]);
        Assert.NotNull(deliver["xmpp.sm.session"]);
        Assert.All(chain, s => Assert.Equal(0, s.StatusCode)); // nothing failed

        // the body (and the password) are nowhere in what was exported: spans, metrics, anything
        await Receiver.WaitForAsync(r => r.Requests("metrics") > 0 ? "metrics" : null, ExportTimeout, "metrics export");
        var bodyBytes = Encoding.UTF8.GetBytes(body);
        var passwordBytes = Encoding.UTF8.GetBytes(aliceAccount.Password);
        var everything = Receiver.Bodies;
        Assert.NotEmpty(everything);
        Assert.DoesNotContain(everything, b => b.AsSpan().IndexOf(bodyBytes) >= 0 || b.AsSpan().IndexOf(passwordBytes) >= 0);
        Assert.DoesNotContain(everything, b => b.AsSpan().IndexOf("the body text"u8) >= 0);

        // logs: c2s-2 logged the delivery inside its span, with the trace and span id on the line
        var line = await Cluster.C2s2.WaitForLineAsync(new Regex($@"trace={deliver.TraceId} span={deliver.SpanId} Delivering a message stanza"), TimeSpan.FromSeconds(10));
        output.WriteLine(line);
        Assert.DoesNotContain(body, string.Join("\n", Cluster.Processes.SelectMany(p => p.LinesFrom(0))));
    }

    /// <summary>The five spans of the message sent after <paramref name="after"/>, once all of them were exported.</summary>
    private static ReceivedSpan[]? Chain(IReadOnlyList<ReceivedSpan> spans, DateTime after)
    {
        var receive = spans.LastOrDefault(s => s.Name == "stanza receive" && s.Instance == "c2s/c2s-1" &&
                                               s["xmpp.stanza.kind"] as string == "message" && s.Start >= after);
        if (receive is null) return null;
        ReceivedSpan? Child(ReceivedSpan parent, string name, Func<ReceivedSpan, bool>? also = null) =>
            spans.FirstOrDefault(s => s.ParentSpanId == parent.SpanId && s.TraceId == parent.TraceId && s.Name == name && (also?.Invoke(s) ?? true));
        if (Child(receive, "route packet") is not { } route1) return null;
        if (Child(route1, "handle packet") is not { } handle) return null;
        if (Child(handle, "route packet", s => s["xmpp.frame.to"] as string == "c2s/c2s-2") is not { } route2) return null;
        if (Child(route2, "stanza deliver") is not { } deliver) return null;
        return [receive, route1, handle, route2, deliver];
    }

    [Fact]
    public async Task Xmppctl_trace_shows_the_frames_of_a_message_with_addresses_kinds_sizes_and_its_trace_id()
    {
        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), Cluster.C2s1Port, "desk");
        var bob = await LoginAsync(await Cluster.NewUserAsync("bob"), Cluster.C2s2Port, "tablet");
        var body = $"watched {Guid.NewGuid():N}";

        // Both watches are in place once xmppctl says so (the router sent its response headers).
        await using var byJid = await CtlWatch.StartAsync(Cluster, "--jid", bob.BareJid, "--count", "2", "--seconds", "30");
        await using var byComponent = await CtlWatch.StartAsync(Cluster, "--component", "c2s/c2s-2", "--jid", bob.BareJid, "--count", "1", "--seconds", "30");
        await alice.SendAsync($"<message to='{bob.BareJid}' type='chat'><body>{body}</body></message>");
        await bob.ExpectAsync(s => s.IsMessage() && s.Body() == body);

        Assert.Equal(0, await byJid.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, await byComponent.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        output.WriteLine(byJid.Output);
        output.WriteLine(byComponent.Output);

        var lines = byJid.Lines;
        Assert.Equal(2, lines.Count);
        Assert.Matches($@"^\d\d:\d\d:\d\d\.\d{{3}} c2s/c2s-1 -> sm/localhost packet message/chat {Regex.Escape(alice.Jid)} -> {Regex.Escape(bob.BareJid)} \d+B c2s=\S+ sm=[0-9a-f]+ trace=[0-9a-f]{{32}} span=[0-9a-f]{{16}}$", lines[0]);
        Assert.Matches($@"^\d\d:\d\d:\d\d\.\d{{3}} sm/localhost -> c2s/c2s-2 packet message/chat {Regex.Escape(alice.Jid)} -> {Regex.Escape(bob.BareJid)} \d+B c2s=\S+ sm=[0-9a-f]+ trace=[0-9a-f]{{32}} span=[0-9a-f]{{16}}$", lines[1]);
        var traceIds = lines.Select(l => Regex.Match(l, "trace=([0-9a-f]{32})").Groups[1].Value).Distinct().ToArray();
        Assert.Single(traceIds); // both hops of the message are one trace
        Assert.DoesNotContain(body, byJid.Output + byComponent.Output);

        var filtered = Assert.Single(byComponent.Lines);
        Assert.Contains("sm/localhost -> c2s/c2s-2 packet message/chat", filtered);
        Assert.Contains($"trace={traceIds[0]}", filtered);

        // the trace id shown is the one exported: the router's span of each hop is in it
        var routed = await Receiver.WaitForAsync(r => r.Spans.Where(s => s.TraceId == traceIds[0] && s.Name == "route packet").ToArray() is { Length: 2 } both ? both : null,
            ExportTimeout, $"router spans of trace {traceIds[0]}");
        var spanIds = lines.Select(l => Regex.Match(l, "span=([0-9a-f]{16})").Groups[1].Value).ToArray();
        Assert.Equal(spanIds.Order(), routed.Select(s => s.SpanId).Order());
    }

    [Fact]
    public async Task Xmppctl_trace_runs_until_ctrl_c_and_a_component_filter_shows_only_that_components_frames()
    {
        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), Cluster.C2s1Port, "cc");
        await using var watch = await CtlWatch.StartAsync(Cluster, "--component", "c2s/c2s-1");
        await alice.PingServerAsync(); // c2s-1 -> sm and sm -> c2s-1
        await alice.PingServerAsync();
        await watch.WaitForLinesAsync(4, TimeSpan.FromSeconds(10)); // a line per frame
        await watch.InterruptAsync();
        Assert.Equal(0, await watch.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        output.WriteLine(watch.Output);
        Assert.True(watch.Lines.Count >= 4, watch.Output);
        Assert.All(watch.Lines, l => Assert.Matches(@" (c2s/c2s-1 -> sm/localhost|sm/localhost -> c2s/c2s-1) packet iq/(get|result) ", l));
    }

    [Fact]
    public async Task Every_process_counts_on_prometheus_and_exports_over_otlp_connections_sessions_stanzas_routing_failures()
    {
        var existing = await Cluster.NewUserAsync("carol");
        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), Cluster.C2s1Port, "m");
        var bob = await LoginAsync(await Cluster.NewUserAsync("bob"), Cluster.C2s2Port, "m");

        // an auth failure on c2s-1
        var intruder = await TestClient.ConnectAsync(Cluster.C2s1Port, "intruder");
        _clients.Add(intruder);
        await intruder.OpenStreamAsync();
        await intruder.StartTlsAsync();
        Assert.False((await intruder.AuthenticateAsync(alice.BareJid, "wrong password")).Success);
        // ... and failed actions seen by c2s: sm answers the AUTH proof step of both as failed (not-authorized)
        Assert.False((await intruder.AuthenticateAsync(Cluster.UnknownUser("nobody").Jid, "whatever")).Success);
        // a failed action on sm (CREATE of an existing account) and a route error at the router (no sm for that domain)
        Assert.NotEqual(0, (await Cluster.CtlAsync("adduser", existing.Jid, "again")).ExitCode);
        Assert.NotEqual(0, (await Cluster.CtlAsync("--domain", "nowhere.example", "users")).ExitCode);
        // a message c2s-1 -> c2s-2
        await alice.SendAsync($"<message to='{bob.Jid}' type='chat'><body>counted</body></message>");
        await bob.ExpectAsync(s => s.IsMessage() && s.Body() == "counted");

        var timeout = TimeSpan.FromSeconds(15);
        var c2s1 = await Scrape.UntilAsync(Cluster.MetricsPortOf(Cluster.C2s1), m =>
            Scrape.Value(m, "xmpp_c2s_stanzas_in_total", "kind=\"message\"") >= 1 &&
            Scrape.Value(m, "xmpp_c2s_auth_failures_total", "condition=\"not-authorized\"") >= 2 &&
            Scrape.Value(m, "xmpp_c2s_failed_actions_total", "action=\"AUTH\"", "reason=\"not-authorized\"") >= 2 &&
            Scrape.Value(m, "xmpp_c2s_connections") >= 2 && Scrape.Value(m, "xmpp_c2s_sessions") >= 1, timeout, "c2s-1's counts");
        var c2s2 = await Scrape.UntilAsync(Cluster.MetricsPortOf(Cluster.C2s2), m =>
            Scrape.Value(m, "xmpp_c2s_stanzas_out_total", "kind=\"message\"") >= 1 && Scrape.Value(m, "xmpp_c2s_sessions") >= 1, timeout, "c2s-2's counts");
        var router = await Scrape.UntilAsync(Cluster.MetricsPortOf(Cluster.Router), m =>
            Scrape.Value(m, "xmpp_router_frames_total", "body=\"packet\"") >= 2 &&
            Scrape.Value(m, "xmpp_router_route_errors_total", "code=\"ROUTE_UNKNOWN\"") >= 1 &&
            Scrape.Value(m, "xmpp_router_routing_duration_seconds_count", "body=\"packet\"") >= 2 &&
            Scrape.Value(m, "xmpp_router_components") >= 3, timeout, "the router's counts");
        var sm = await Scrape.UntilAsync(Cluster.MetricsPortOf(Cluster.Sm), m =>
            Scrape.Value(m, "xmpp_sm_sessions") >= 2 &&
            Scrape.Value(m, "xmpp_sm_stanzas_in_total", "kind=\"message\"") >= 1 &&
            Scrape.Value(m, "xmpp_sm_stanzas_out_total", "kind=\"message\"") >= 1 &&
            Scrape.Value(m, "xmpp_sm_failed_actions_total", "action=\"CREATE\"", "reason=\"conflict\"") >= 1, timeout, "sm's counts");
        foreach (var text in new[] { c2s1, c2s2, router, sm })
            output.WriteLine(string.Join("\n", text.Split('\n').Where(l => l.StartsWith("xmpp_", StringComparison.Ordinal) && !l.Contains("_bucket"))));
        Assert.Contains("xmpp_router_routing_duration_seconds_bucket", router); // a latency histogram

        // the same instruments reach the OTLP receiver
        await Receiver.WaitForAsync(r => r.Bodies.Any(b => b.AsSpan().IndexOf("xmpp.router.routing.duration"u8) >= 0) &&
                                         r.Bodies.Any(b => b.AsSpan().IndexOf("xmpp.c2s.stanzas.in"u8) >= 0) &&
                                         r.Bodies.Any(b => b.AsSpan().IndexOf("xmpp.sm.sessions"u8) >= 0) ? "metrics" : null,
            ExportTimeout, "OTLP metrics of router, c2s and sm");
    }

    [Fact]
    public async Task Every_log_line_of_every_process_carries_a_trace_field()
    {
        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), Cluster.C2s1Port, "x");
        await alice.PingServerAsync();
        var lines = Cluster.Processes.SelectMany(p => p.LinesFrom(0).Select(l => (p.Name, Line: l))).ToArray();
        Assert.NotEmpty(lines);
        // "HH:mm:ss.fff <line as printed>"; the process exit marker is the harness's own line.
        var untraced = lines.Where(l => !l.Line.Contains("[process exited") && !Regex.IsMatch(l.Line, @" (trce|dbug|info|warn|fail|crit) \S+ trace=([0-9a-f]{32}|-) span=([0-9a-f]{16}|-) ")).ToArray();
        Assert.True(untraced.Length == 0, "lines without the trace field:\n" + string.Join("\n", untraced.Take(20).Select(l => $"{l.Name}: {l.Line}")));
        Assert.Contains(lines, l => Regex.IsMatch(l.Line, " trace=[0-9a-f]{32} span=[0-9a-f]{16} "));
    }

    private async Task<TestClient> LoginAsync(Account account, int port, string resource)
    {
        var client = await fixture.LoginAsync(account, port, resource);
        _clients.Add(client);
        return client;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var client in _clients) await client.DisposeAsync();
    }
}
