using System.Net.Security;
using System.Text.RegularExpressions;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Xmpp.Common.Link;
using Xmpp.Common.Pki;
using Xmpp.Integration.Tests.Harness;
using Xmpp.Integration.Tests.Observability;
using Xmpp.Protos;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>
/// Issue #18, trusted links, through the real processes: every link to the router is TLS with a
/// client certificate from the cluster's deployment CA, and the certificate's role bounds what
/// the link may bind and send. Refusals show in the router's log and its xmpp_router_refusals_total.
/// </summary>
public sealed class LinkTrustTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_link_without_a_client_certificate_fails_its_handshake_and_the_router_logs_and_counts_it()
    {
        var before = await RefusalsAsync("certificate");
        // Trusts the router (the deployment CA), presents no certificate of its own.
        var trust = new CaTrust(PemFiles.LoadCertificate(Cluster.Pki.Layout.CaCertificate));
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) => trust.Check(certificate, DeploymentCa.ServerAuthOid) is null,
            },
        };
        using var channel = GrpcChannel.ForAddress(Cluster.RouterAddress, new GrpcChannelOptions { HttpHandler = handler });

        var e = await Assert.ThrowsAsync<RpcException>(() => BindAsync(channel, "c2s/no-certificate"));
        // TLS 1.3 sends the client's certificate (none) after the client considers the handshake
        // done: the router's refusal reaches it as a failed connection or a reset HTTP/2 stream,
        // depending on which it was writing when the alert came.
        Assert.Contains(e.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });
        await Cluster.Router.WaitForLineAsync(new Regex("TLS connection from .* refused: no certificate"), Timeout);
        await UntilRefusalsAsync("certificate", before);
    }

    [Fact]
    public async Task A_certificate_from_another_ca_is_refused()
    {
        var before = await RefusalsAsync("certificate");
        var elsewhere = Path.Combine(Cluster.DataDirectory, "other-ca");
        PkiInitializer.Init(elsewhere, new PkiRequest { C2sInstances = ["c2s-1"] });
        // The stranger's certificate claims c2s/c2s-1, and it trusts our router: only its issuer is wrong.
        using var tls = new RouterLinkTls(PemFiles.LoadWithKey(new PkiLayout(elsewhere).CertificateOf(PkiLayout.C2s("c2s-1"))),
            PemFiles.LoadCertificate(Cluster.Pki.Layout.CaCertificate));
        using var channel = GrpcChannel.ForAddress(Cluster.RouterAddress, new GrpcChannelOptions { HttpHandler = tls.Handler() });

        var e = await Assert.ThrowsAsync<RpcException>(() => BindAsync(channel, "c2s/stranger"));
        Assert.Contains(e.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal }); // as above
        await Cluster.Router.WaitForLineAsync(new Regex("TLS connection from .* refused: certificate not issued by the deployment CA"), Timeout);
        await UntilRefusalsAsync("certificate", before);
    }

    [Theory]
    [InlineData("sm/localhost")]    // a c2s posing as the session manager
    [InlineData("c2s/c2s-9")]       // another c2s's address (free, so only the certificate stands in the way)
    [InlineData("ctl/admin-please")] // an admin's address
    public async Task A_c2s_certificate_binds_only_its_own_address(string address)
    {
        var before = await RefusalsAsync("bind");
        using var channel = Cluster.Pki.Channel(Cluster.RouterAddress, PkiLayout.C2s("c2s-1"));

        var result = await BindAsync(channel, address);

        Assert.False(result.Ok, $"a c2s/c2s-1 certificate bound {address}");
        Assert.Contains($"c2s/c2s-1 may not bind {address}", result.Reason);
        await Cluster.Router.WaitForLineAsync(new Regex($"Bind of {Regex.Escape(address)} from .* refused"), Timeout);
        await UntilRefusalsAsync("bind", before);
    }

    [Fact]
    public async Task A_c2s_sending_an_account_action_gets_it_back_failed_forbidden_and_no_account_is_deleted()
    {
        var before = await RefusalsAsync("action");
        await using var link = await OpenAsync("c2s/trust-test");
        var victim = await Cluster.NewUserAsync("deleted-by-c2s");

        var answer = await link.RequestAsync(new Frame
        {
            To = "sm/localhost",
            Session = new Session { Action = Session.Types.Action.Delete, Target = victim.Jid },
        }, CancellationToken.None);

        Assert.Equal(Session.Types.Action.Delete, answer.Session.Action);
        Assert.True(answer.Session.Failed, $"DELETE from a c2s was not refused: {answer}");
        Assert.Equal("forbidden", answer.Session.Reason);
        var users = await Cluster.CtlAsync("users");
        Assert.Equal(0, users.ExitCode);
        Assert.Contains(victim.Jid, users.Stdout);
        await Cluster.Router.WaitForLineAsync(new Regex("Frame from c2s/trust-test .* refused: c2s may not send session action Delete"), Timeout);
        await UntilRefusalsAsync("action", before);
    }

    [Fact]
    public async Task A_c2s_asking_to_create_an_account_while_registration_is_off_is_refused_forbidden_by_sm()
    {
        await using var link = await OpenAsync("c2s/trust-create");
        var victim = Cluster.UnknownUser("made-by-c2s");

        var answer = await link.RequestAsync(new Frame
        {
            To = "sm/localhost",
            Session = new Session { Action = Session.Types.Action.Create, Target = victim.Jid, Credentials = WireCredentials() },
        }, CancellationToken.None);

        Assert.Equal(Session.Types.Action.Create, answer.Session.Action);
        Assert.True(answer.Session.Failed, $"CREATE from a c2s was not refused: {answer}");
        Assert.Equal("forbidden", answer.Session.Reason);
        var users = await Cluster.CtlAsync("users");
        Assert.Equal(0, users.ExitCode);
        Assert.DoesNotContain(victim.Jid, users.Stdout);
        await Cluster.Sm.WaitForLineAsync(new Regex($"In-band registration of {Regex.Escape(victim.Jid)} refused: Sm:Registration:Enabled is off"), Timeout);
    }

    [Fact]
    public async Task A_c2s_sending_a_packet_to_another_c2s_gets_it_back_with_route_forbidden()
    {
        await using var link = await OpenAsync("c2s/trust-packet");
        await using var other = await OpenAsync("c2s/trust-packet-to");

        Assert.True(link.Send(new Frame
        {
            To = "c2s/trust-packet-to",
            Packet = new Packet { C2SSession = "p1", Kind = "message", Stanza = Google.Protobuf.ByteString.CopyFromUtf8("<message xmlns='jabber:client'/>") },
        }));

        var back = await link.NextAsync(f => f.BodyCase == Frame.BodyOneofCase.Packet, Timeout);
        Assert.Equal(RouteError.Types.Code.RouteForbidden, back.RouteError?.Code);
        Assert.Equal("p1", back.Packet.C2SSession);
        Assert.DoesNotContain(other.Received, f => f.BodyCase == Frame.BodyOneofCase.Packet);
    }

    [Fact]
    public async Task Xmppctl_with_a_c2s_certificate_may_not_add_users_or_trace()
    {
        var before = await RefusalsAsync("watch");
        var layout = Cluster.Pki.Layout;
        string[] asC2s = ["--ca", layout.CaCertificate, "--cert", layout.CertificateOf(PkiLayout.C2s("c2s-1"))];
        var victim = Cluster.UnknownUser("ctl-as-c2s");

        var add = await Cluster.CtlAsync([.. asC2s, "adduser", victim.Jid, "secret"]);
        Assert.Equal(1, add.ExitCode);
        Assert.Contains("the router refused this link: bind refused: c2s/c2s-1 may not bind ctl/", add.Output);

        var trace = await Cluster.CtlAsync([.. asC2s, "trace", "--seconds", "5"]);
        Assert.Equal(1, trace.ExitCode);
        Assert.Contains("only an admin certificate may watch routed traffic (PermissionDenied)", trace.Output);
        Assert.DoesNotContain("watching", trace.Output);

        var users = await Cluster.CtlAsync("users");
        Assert.DoesNotContain(victim.Jid, users.Stdout);
        await UntilRefusalsAsync("watch", before);
    }

    [Fact]
    public async Task Xmppctl_without_any_certificate_says_what_it_needs()
    {
        var result = await ProcessRunner.RunAsync("dotnet", [RepoPaths.Xmppctl, "--router", Cluster.RouterAddress, "users"], Cluster.CtlTimeout,
            environment: new Dictionary<string, string> { ["XMPPCTL_PKI"] = "", ["Router__Certificate"] = "" });
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("needs Router:CaCertificate and Router:Certificate", result.Output);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")] // file modes are checked as Unix sees them
    public async Task Pki_init_creates_owner_only_keys_once_and_a_router_without_certificates_refuses_to_start()
    {
        var dir = Path.Combine(Cluster.DataDirectory, "pki-init-test");
        var first = await Cluster.CtlAsync("pki", "init", "--dir", dir, "--domain", "example.org", "--c2s", "c2s-a,c2s-b");
        Assert.Equal(0, first.ExitCode);
        foreach (var name in new[] { "ca", "router", "c2s-c2s-a", "c2s-c2s-b", "sm-example.org", "admin-xmppctl" })
        {
            Assert.True(File.Exists(Path.Combine(dir, name + ".crt")), $"{name}.crt missing: {first}");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, name + ".key")));
        }
        Assert.DoesNotContain("PRIVATE KEY", first.Output);
        var ca = File.ReadAllText(Path.Combine(dir, "ca.crt"));
        var again = await Cluster.CtlAsync("pki", "init", "--dir", dir, "--domain", "example.org", "--c2s", "c2s-a,c2s-b,c2s-c");
        Assert.Equal(0, again.ExitCode);
        Assert.Equal($"created {Path.Combine(dir, "c2s-c2s-c.crt")} (key beside it, owner-only)", again.Stdout.Trim());
        Assert.Equal(ca, File.ReadAllText(Path.Combine(dir, "ca.crt")));

        var router = await ProcessRunner.RunAsync("dotnet", [RepoPaths.Router, $"--Router:ListenPort={FreePort.Pick()}", "--Telemetry:MetricsPort=-1"], Timeout);
        Assert.Equal(1, router.ExitCode);
        Assert.Contains("the router needs Router:ServerCertificate and Router:CaCertificate", router.Output);
    }

    private async Task<BindResult> BindAsync(GrpcChannel channel, string address)
    {
        using var cts = new CancellationTokenSource(Timeout);
        using var call = new Router.RouterClient(channel).Link(cancellationToken: cts.Token);
        await call.RequestStream.WriteAsync(new FrameBatch { Frames = { new Frame { From = address, Bind = new Bind { Addresses = { address } } } } }, cts.Token);
        Assert.True(await call.ResponseStream.MoveNext(cts.Token), "the router closed the link without answering the bind");
        return call.ResponseStream.Current.Frames[0].BindResult;
    }

    private async Task<double> RefusalsAsync(string what) =>
        Scrape.Value(await Scrape.MetricsAsync(Cluster.MetricsPortOf(Cluster.Router)), "xmpp_router_refusals_total", $"refused=\"{what}\"") ?? 0;

    private Task UntilRefusalsAsync(string what, double before) =>
        Scrape.UntilAsync(Cluster.MetricsPortOf(Cluster.Router),
            text => (Scrape.Value(text, "xmpp_router_refusals_total", $"refused=\"{what}\"") ?? 0) > before, Timeout, $"a {what} refusal counted");

    private static Credentials WireCredentials() => Xmpp.Common.Sasl.WireCredentials.Derive("secret");

    private Task<TestLink> OpenAsync(string address) => TestLink.OpenAsync(Cluster, address, Timeout);

    /// <summary>A RouterLink with the certificate its address's role needs, keeping every unasked frame.</summary>
    private sealed class TestLink : IAsyncDisposable
    {
        private readonly System.Threading.Channels.Channel<Frame> _frames = System.Threading.Channels.Channel.CreateUnbounded<Frame>();
        private readonly List<Frame> _received = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly RouterLink _link;
        private Task _run = Task.CompletedTask;

        private TestLink(Cluster cluster, string address) =>
            _link = new RouterLink([address], cluster.Pki.LinkOptions(cluster.RouterAddress, ClusterPki.IdentityFor(address)), NullLogger.Instance, frame =>
            {
                lock (_received) _received.Add(frame);
                _frames.Writer.TryWrite(frame);
                return ValueTask.CompletedTask;
            });

        public IReadOnlyList<Frame> Received { get { lock (_received) return _received.ToArray(); } }

        public static async Task<TestLink> OpenAsync(Cluster cluster, string address, TimeSpan timeout)
        {
            var link = new TestLink(cluster, address);
            link._run = link._link.RunAsync(link._stop.Token);
            await link._link.WaitUpAsync(CancellationToken.None).WaitAsync(timeout);
            return link;
        }

        public bool Send(Frame frame) => _link.Send(frame);

        public Task<Frame> RequestAsync(Frame frame, CancellationToken ct) => _link.RequestAsync(frame, ct);

        public async Task<Frame> NextAsync(Func<Frame, bool> match, TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            while (true)
            {
                var frame = await _frames.Reader.ReadAsync(cts.Token);
                if (match(frame)) return frame;
            }
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            try { await _run.WaitAsync(TimeSpan.FromSeconds(5)); }
            catch (Exception) { /* stopping either way */ }
            await _link.DisposeAsync();
        }
    }
}
