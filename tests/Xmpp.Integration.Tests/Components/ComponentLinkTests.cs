using System.Text.RegularExpressions;
using System.Threading.Channels;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Xmpp.Common.Link;
using Xmpp.Common.Pki;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xmpp.Integration.Tests.Observability;
using Xmpp.Protos;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Components;

/// <summary>
/// Issue 21, the component link itself through the real router and sm (no gateway): a component
/// certificate binds only its own domain's address and sends only stanzas from within its domain;
/// what it may send reaches a user, and what a user sends its domain reaches it.
/// </summary>
public sealed class ComponentLinkTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData("component/other.localhost")]
    [InlineData("sm/localhost")]
    [InlineData("c2s/bots")]
    public async Task A_component_certificate_binds_only_its_own_domain(string address)
    {
        var before = await RefusalsAsync("bind");
        using var channel = Cluster.Pki.Channel(Cluster.RouterAddress, PkiLayout.Component("bots.localhost"));
        using var cts = new CancellationTokenSource(Timeout);
        using var call = new Router.RouterClient(channel).Link(cancellationToken: cts.Token);
        await call.RequestStream.WriteAsync(new FrameBatch { Frames = { new Frame { From = address, Bind = new Bind { Addresses = { address } } } } }, cts.Token);
        Assert.True(await call.ResponseStream.MoveNext(cts.Token));

        var result = call.ResponseStream.Current.Frames[0].BindResult;
        Assert.False(result.Ok, $"component/bots.localhost bound {address}");
        Assert.Contains($"component/bots.localhost may not bind {address}", result.Reason);
        await Cluster.Router.WaitForLineAsync(new Regex($"Bind of {Regex.Escape(address)} from .* refused"), Timeout);
        await Scrape.UntilAsync(Cluster.MetricsPortOf(Cluster.Router),
            text => (Scrape.Value(text, "xmpp_router_refusals_total", "refused=\"bind\"") ?? 0) > before, Timeout, "a bind refusal counted");
    }

    [Fact]
    public async Task A_bound_component_talks_with_users_and_may_not_speak_for_anyone_else()
    {
        const string domain = "linked.localhost";
        var alice = await LoginAsync(await Cluster.NewUserAsync("link-alice"), C2s1);
        await using var component = await ComponentLink.OpenAsync(Cluster, domain, Timeout);

        // Listed by the server and by xmppctl while bound.
        var items = await IqAsync(alice, Cluster.Domain, "<query xmlns='http://jabber.org/protocol/disco#items'/>");
        Assert.Contains(items.Descendants(), e => e.Name.LocalName == "item" && e.Attr("jid") == domain);
        var listed = await Cluster.CtlAsync("components");
        Assert.Contains($"component/{domain} ", listed.Stdout);

        // A user's stanza for the domain reaches the component, with the user's full JID as 'from'.
        await alice.SendAsync($"<message type='chat' id='u1' to='bot@{domain}'><body>ping</body></message>");
        var incoming = await component.NextAsync(f => f.Packet is { Kind: "message" }, Timeout);
        Assert.Equal("sm/localhost", incoming.From);
        Assert.Equal(alice.Jid, incoming.Packet.StanzaFrom);
        Assert.Contains("ping", incoming.Packet.Stanza.ToStringUtf8());

        // Its answer from within its domain reaches the user.
        Assert.True(component.Send(Packet($"bot@{domain}", alice.Jid, "pong")));
        var answer = await alice.ExpectAsync(e => e.IsMessage() && e.Attr("from") == $"bot@{domain}", Timeout);
        Assert.Equal("pong", answer.Body());

        // Speaking for someone else is refused at the router and never reaches the user.
        Assert.True(component.Send(Packet(Cluster.Domain, alice.Jid, "forged")));
        var back = await component.NextAsync(f => f.RouteError is { Code: RouteError.Types.Code.RouteForbidden }, Timeout);
        Assert.Contains("may not send a stanza from 'localhost'", back.RouteError.Reason);
        Assert.True(component.Send(Packet($"bot@{domain}", alice.Jid, "after")));
        var after = await alice.ExpectAsync(e => e.IsMessage() && e.Attr("from") == $"bot@{domain}", Timeout);
        Assert.Equal("after", after.Body()); // the forged one came nowhere before it
        Assert.DoesNotContain(alice.History, e => e.Body() == "forged");
    }

    [Fact]
    public async Task Only_an_admin_may_list_the_components()
    {
        using var channel = Cluster.Pki.Channel(Cluster.RouterAddress, PkiLayout.C2s("c2s-1"));
        var e = await Assert.ThrowsAsync<RpcException>(async () => await new Router.RouterClient(channel).ComponentsAsync(new ComponentsRequest(), deadline: DateTime.UtcNow + Timeout));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
    }

    [Fact]
    public async Task Xmppctl_pki_issue_makes_a_component_certificate_from_the_existing_ca()
    {
        var dir = Path.Combine(Cluster.DataDirectory, "pki-issue-" + Guid.NewGuid().ToString("N")[..8]);
        var init = await Cluster.CtlAsync("pki", "init", "--dir", dir);
        Assert.True(init.ExitCode == 0, init.ToString());
        var ca = File.ReadAllText(Path.Combine(dir, "ca.crt"));

        var issued = await Cluster.CtlAsync("pki", "issue", "--dir", dir, "--role", "component", "--name", "conference.localhost");

        Assert.True(issued.ExitCode == 0, issued.ToString());
        Assert.Contains("component-conference.localhost.crt", issued.Stdout);
        Assert.Equal(ca, File.ReadAllText(Path.Combine(dir, "ca.crt"))); // the same CA issued it
        using var certificate = PemFiles.LoadWithKey(Path.Combine(dir, "component-conference.localhost.crt"), null);
        Assert.Equal(PkiLayout.Component("conference.localhost"), ComponentIdentity.FromCertificate(certificate));
        Assert.Null(new CaTrust(PemFiles.LoadCertificate(Path.Combine(dir, "ca.crt"))).Check(certificate, DeploymentCa.ClientAuthOid));

        var bad = await Cluster.CtlAsync("pki", "issue", "--dir", dir, "--role", "wizard", "--name", "x");
        Assert.Equal(2, bad.ExitCode);
    }

    private static Frame Packet(string from, string to, string body) => new()
    {
        To = "sm/localhost",
        Packet = new Packet
        {
            Kind = "message", Type = "chat", StanzaFrom = from, StanzaTo = to,
            Stanza = Google.Protobuf.ByteString.CopyFromUtf8($"<message xmlns='jabber:client' type='chat' from='{from}' to='{to}'><body>{body}</body></message>"),
        },
    };

    private static async Task<System.Xml.Linq.XElement> IqAsync(TestClient client, string to, string payload)
    {
        var id = client.NewId("l");
        await client.SendAsync($"<iq type='get' id='{id}' to='{to}'>{payload}</iq>");
        return await client.ExpectAsync(e => e.IsIq() && e.Attr("id") == id, Timeout);
    }

    private async Task<double> RefusalsAsync(string what) =>
        Scrape.Value(await Scrape.MetricsAsync(Cluster.MetricsPortOf(Cluster.Router)), "xmpp_router_refusals_total", $"refused=\"{what}\"") ?? 0;

    /// <summary>A service bound as component/&lt;domain&gt; with its own certificate, keeping what it receives.</summary>
    private sealed class ComponentLink : IAsyncDisposable
    {
        private readonly Channel<Frame> _frames = Channel.CreateUnbounded<Frame>();
        private readonly CancellationTokenSource _stop = new();
        private readonly RouterLink _link;
        private Task _run = Task.CompletedTask;

        private ComponentLink(Cluster cluster, string domain) =>
            _link = new RouterLink([$"component/{domain}"], cluster.Pki.LinkOptions(cluster.RouterAddress, PkiLayout.Component(domain)), NullLogger.Instance,
                frame => { _frames.Writer.TryWrite(frame); return ValueTask.CompletedTask; });

        public static async Task<ComponentLink> OpenAsync(Cluster cluster, string domain, TimeSpan timeout)
        {
            var link = new ComponentLink(cluster, domain);
            link._run = link._link.RunAsync(link._stop.Token);
            await link._link.WaitUpAsync(CancellationToken.None).WaitAsync(timeout);
            return link;
        }

        public bool Send(Frame frame) => _link.Send(frame);

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
