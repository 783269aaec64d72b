using System.Xml.Linq;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Components;

/// <summary>
/// Issue 21 through real processes: slixmpp's ComponentXMPP (Debian's python3-slixmpp) attaches
/// over XEP-0114 through the gateway, is listed by the server's disco#items and `xmppctl
/// components`, answers a client's disco#info, echoes a client's message back; a second attach of
/// the same domain gets &lt;conflict/&gt;; after it is gone a client's iq to its domain gets
/// &lt;service-unavailable/&gt;. A wrong secret gets &lt;not-authorized/&gt;, an unknown domain &lt;host-unknown/&gt;.
/// </summary>
[Collection(ComponentCollection.Name)]
public sealed class ComponentGatewayTests(ComponentClusterFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private const string DiscoInfo = "http://jabber.org/protocol/disco#info";
    private const string DiscoItems = "http://jabber.org/protocol/disco#items";

    private readonly List<TestClient> _clients = [];
    private readonly List<PythonComponent> _components = [];
    private Cluster Cluster => fixture.Cluster;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var c in _components)
        {
            output.WriteLine("---- component ----\n" + c.Output);
            await c.DisposeAsync();
        }
        foreach (var client in _clients) await client.DisposeAsync();
        output.WriteLine(Cluster.OutputTail(80));
    }

    private PythonComponent Component(string domain, string secret, bool expectRefused = false)
    {
        var component = PythonComponent.Start(Cluster.GatewayPort, domain, secret, expectRefused);
        _components.Add(component);
        return component;
    }

    private async Task<TestClient> LoginAsync(string name)
    {
        var client = await Cluster.LoginAsync(await Cluster.NewUserAsync(name), Cluster.C2s1Port);
        _clients.Add(client);
        return client;
    }

    private static async Task<XElement> IqAsync(TestClient client, string type, string to, string payload)
    {
        var id = client.NewId("c");
        await client.SendAsync($"<iq type='{type}' id='{id}' to='{to}'>{payload}</iq>");
        return await client.ExpectAsync(e => e.IsIq() && e.Attr("id") == id, Timeout);
    }

    private static async Task<IReadOnlyList<string>> ServerItemsAsync(TestClient client)
    {
        var result = await IqAsync(client, "get", Cluster.Domain, $"<query xmlns='{DiscoItems}'/>");
        Assert.Equal("result", result.Attr("type"));
        return result.Descendants(XName.Get("item", DiscoItems)).Select(i => i.Attr("jid") ?? "").ToList();
    }

    [Fact]
    public async Task A_slixmpp_component_attaches_answers_disco_and_chats_and_its_domain_fails_once_it_is_gone()
    {
        const string domain = ComponentClusterFixture.Domain;
        var component = Component(domain, ComponentClusterFixture.Secret);
        await component.WaitForAsync("ATTACHED", Timeout);
        var alice = await LoginAsync("comp-alice");

        // The server lists the component's domain (XEP-0030 items) while it is attached.
        Assert.Contains(domain, await ServerItemsAsync(alice));

        // The component answers disco#info for its own domain.
        var info = await IqAsync(alice, "get", domain, $"<query xmlns='{DiscoInfo}'/>");
        Assert.True(info.Attr("type") == "result", $"disco#info to {domain}: {info}");
        Assert.Equal(domain, info.Attr("from"));
        var identity = info.Descendants(XName.Get("identity", DiscoInfo)).Single();
        Assert.Equal(("conference", "text", "Interop Service"), (identity.Attr("category"), identity.Attr("type"), identity.Attr("name")));
        Assert.Contains(info.Descendants(XName.Get("feature", DiscoInfo)), f => f.Attr("var") == "urn:example:interop");

        // A message to a JID of its domain reaches it, and its reply reaches the client.
        await alice.SendAsync($"<message type='chat' to='echo@{domain}' id='m1'><body>hello component</body></message>");
        var got = await component.WaitForAsync("GOT ", Timeout);
        Assert.Equal($"GOT {alice.Jid} echo@{domain} hello component", got);
        var echo = await alice.ExpectAsync(e => e.IsMessage() && e.Attr("from") == $"echo@{domain}", Timeout);
        Assert.Equal("echo: hello component", echo.Body());
        Assert.Equal(alice.Jid, echo.Attr("to"));

        // xmppctl lists it; a second attach of the same domain is refused.
        var listed = await Cluster.CtlAsync("components");
        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.Contains($"component/{domain} ", listed.Stdout);
        var second = Component(domain, ComponentClusterFixture.Secret, expectRefused: true);
        Assert.Equal("REFUSED conflict", await second.WaitForAsync("REFUSED", Timeout));
        Assert.Equal(0, await second.WaitForExitAsync(Timeout));

        // Gone: the server stops listing it, and an iq to its domain gets <service-unavailable/>.
        // The router logs the unbind after it queued the down event for sm, which then comes before alice's next stanza.
        var routerLines = Cluster.Router.LineCount;
        await component.StopAsync();
        await Cluster.Router.WaitForLineAsync(new System.Text.RegularExpressions.Regex($@"Component component/{System.Text.RegularExpressions.Regex.Escape(domain)} unbound"), Timeout, routerLines);
        Assert.DoesNotContain(domain, await ServerItemsAsync(alice));
        var error = await IqAsync(alice, "get", domain, $"<query xmlns='{DiscoInfo}'/>");
        Assert.Equal("error", error.Attr("type"));
        Assert.Equal("service-unavailable", error.ErrorCondition());
        Assert.Equal(domain, error.Attr("from"));

        // A domain no component ever served is a remote domain: no s2s, so <remote-server-not-found/>.
        var remote = await IqAsync(alice, "get", "nowhere.localhost", $"<query xmlns='{DiscoInfo}'/>");
        Assert.Equal("remote-server-not-found", remote.ErrorCondition());
    }

    [Fact]
    public async Task A_wrong_secret_is_not_authorized_and_an_unknown_domain_is_host_unknown()
    {
        var wrong = Component(ComponentClusterFixture.OtherDomain, "not-the-secret", expectRefused: true);
        Assert.Equal("REFUSED not-authorized", await wrong.WaitForAsync("REFUSED", Timeout));
        Assert.Equal(0, await wrong.WaitForExitAsync(Timeout));

        var unknown = Component("unknown.localhost", "whatever", expectRefused: true);
        Assert.Equal("REFUSED host-unknown", await unknown.WaitForAsync("REFUSED", Timeout));
        Assert.Equal(0, await unknown.WaitForExitAsync(Timeout));

        // Neither attached: the server does not list them.
        var bob = await LoginAsync("comp-bob");
        var items = await ServerItemsAsync(bob);
        Assert.DoesNotContain(ComponentClusterFixture.OtherDomain, items);
        Assert.DoesNotContain("unknown.localhost", items);
    }

    [Theory]
    [InlineData("foreign-from", "invalid-from")]
    [InlineData("no-to", "improper-addressing")]
    [InlineData("too-big", "policy-violation")]
    public async Task A_component_that_breaks_the_rules_has_its_stream_closed(string fault, string condition)
    {
        const string domain = ComponentClusterFixture.OtherDomain;
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, Cluster.GatewayPort);
        var stream = tcp.GetStream();
        await WriteAsync(stream, $"<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='{domain}'>");
        var header = await ReadUntilAsync(stream, "'>");
        var id = System.Text.RegularExpressions.Regex.Match(header, "id='([^']+)'").Groups[1].Value;
        var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(System.Text.Encoding.UTF8.GetBytes(id + ComponentClusterFixture.OtherSecret)));
        await WriteAsync(stream, $"<handshake>{digest}</handshake>");
        Assert.Contains("<handshake/>", await ReadUntilAsync(stream, "<handshake/>"));

        await WriteAsync(stream, fault switch
        {
            "foreign-from" => "<message from='admin@localhost' to='alice@localhost'><body>x</body></message>",
            "no-to" => $"<message from='bot@{domain}'><body>x</body></message>",
            _ => $"<message from='bot@{domain}' to='alice@localhost'><body>{new string('x', 300 * 1024)}</body></message>",
        });
        var rest = await ReadUntilAsync(stream, "</stream:stream>");
        Assert.Contains($"<{condition} xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>", rest);
    }

    private static Task WriteAsync(System.Net.Sockets.NetworkStream stream, string text) =>
        stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text)).AsTask();

    /// <summary>What the gateway writes until <paramref name="marker"/> appears (or it closes), within the timeout.</summary>
    private static async Task<string> ReadUntilAsync(System.Net.Sockets.NetworkStream stream, string marker)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var text = new System.Text.StringBuilder();
        var buffer = new byte[8192];
        while (!text.ToString().Contains(marker, StringComparison.Ordinal))
        {
            int n;
            try { n = await stream.ReadAsync(buffer, cts.Token); }
            catch (IOException) { break; }
            if (n == 0) break;
            text.Append(System.Text.Encoding.UTF8.GetString(buffer, 0, n));
        }
        return text.ToString();
    }
}
