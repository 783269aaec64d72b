using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xmpp.Integration.Tests.Observability;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>
/// Issue 19: XEP-0368 direct TLS on C2s:DirectTlsPort through the real processes, and
/// SCRAM-SHA-*-PLUS channel binding (RFC 5802 §6) on it and on STARTTLS: a .NET SslStream client
/// and `openssl s_client -alpn xmpp-client` log in over direct TLS (no STARTTLS offered there); a
/// client whose ALPN lacks xmpp-client gets a TLS alert, logged and counted; a -PLUS login whose
/// tls-server-end-point the client computed from the certificate it received succeeds, a wrong
/// binding and the 'y' downgrade are refused.
/// </summary>
public class DirectTlsTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>The c2s TLS stack (C2s:Tls:Stack) these tests run against; null: the default. A subclass runs them on the other.</summary>
    protected virtual string? Stack => null;

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
    private const string StreamHeader =
        "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>";
    private static readonly XNamespace SaslCb = "urn:xmpp:sasl-cb:0";

    private readonly int _directPort = FreePort.Pick();
    private Cluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await Cluster.StartAsync(new ClusterOptions
        {
            C2sCount = 1,
            ExtraArgs = new Dictionary<string, string[]> { ["c2s"] = [$"--C2s:DirectTlsPort={_directPort}", .. TlsStacks.Args(Stack)] },
        });

    public async Task DisposeAsync()
    {
        output.WriteLine(_cluster.OutputTail(40));
        await _cluster.DisposeAsync();
    }

    private string Diagnostics() => _cluster.OutputTail(20);

    private static IEnumerable<string> Mechanisms(XElement features) =>
        features.Elements(XName.Get("mechanisms", Ns.Sasl)).Elements(XName.Get("mechanism", Ns.Sasl)).Select(m => m.Value);

    private static IEnumerable<string?> BindingTypes(XElement features) =>
        features.Elements(SaslCb + "sasl-channel-binding").Elements(SaslCb + "channel-binding").Select(c => (string?)c.Attribute("type"));

    [Fact]
    public async Task A_tls_client_logs_in_over_direct_tls_with_scram_sha_256_plus()
    {
        var alice = await _cluster.NewUserAsync("alice");
        await using var client = await TestClient.ConnectDirectTlsAsync(_directPort, "alice", ["xmpp-client"], diagnostics: Diagnostics);
        Assert.Equal("xmpp-client", client.ApplicationProtocol);
        var features = await client.OpenStreamAsync();
        Assert.Null(features.Element(XName.Get("starttls", Ns.Tls))); // already TLS: no STARTTLS on this port
        Assert.Equal(["SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"], Mechanisms(features));
        Assert.Contains("tls-server-end-point", BindingTypes(features));

        var auth = await client.AuthenticateAsync(alice.Jid, alice.Password, "SCRAM-SHA-256-PLUS",
            channelBinding: ("p=tls-server-end-point", client.ServerEndPointBinding()));
        Assert.True(auth.Success, auth.Answer.ToString());
        Assert.Equal($"{alice.Jid}/direct", await client.BindAsync("direct"));
        var pong = await client.PingServerAsync();
        Assert.Equal("result", pong.Attribute("type")?.Value);
    }

    [Fact]
    public async Task A_client_without_alpn_is_served_on_the_direct_tls_port()
    {
        var bob = await _cluster.NewUserAsync("bob");
        await using var client = await TestClient.ConnectDirectTlsAsync(_directPort, "bob", alpn: null, diagnostics: Diagnostics);
        Assert.Equal("", client.ApplicationProtocol);
        await client.OpenStreamAsync();
        Assert.True((await client.AuthenticateAsync(bob.Jid, bob.Password)).Success);
    }

    [Fact]
    public async Task A_client_whose_alpn_lacks_xmpp_client_is_refused_logged_and_counted()
    {
        var metricsPort = _cluster.MetricsPortOf(_cluster.C2s1);
        var lines = _cluster.C2s1.LineCount;
        await Assert.ThrowsAnyAsync<AuthenticationException>(() => TestClient.ConnectDirectTlsAsync(_directPort, "h2-client", ["h2"]));
        await _cluster.C2s1.WaitForLineAsync(new Regex("from 127\\.0\\.0\\.1: direct TLS handshake failed"), Limit, lines);
        await Scrape.UntilAsync(metricsPort, m => Scrape.Value(m, "xmpp_c2s_tls_handshake_failures_total", "transport=\"direct\"") >= 1, Limit,
            "the refused handshake counted");
    }

    [Fact]
    public async Task Openssl_s_client_with_alpn_xmpp_client_logs_in_over_direct_tls()
    {
        var carol = await _cluster.NewUserAsync("carol");
        await using var client = OpenSslClient.StartDirectTls(_directPort, Cluster.Domain, "xmpp-client");
        try
        {
            await client.UntilAsync((o, _) => o.Contains("ALPN protocol: xmpp-client", StringComparison.Ordinal), Limit, "ALPN xmpp-client negotiated");
            await client.WriteLineAsync(StreamHeader);
            await client.UntilAsync((o, _) => o.Contains("</stream:features>", StringComparison.Ordinal), Limit, "stream features");
            Assert.DoesNotContain("starttls", client.Stdout, StringComparison.Ordinal);
            await client.WriteLineAsync("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" +
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{carol.Local}\0{carol.Password}")) + "</auth>");
            await client.UntilAsync((o, _) => o.Contains("<success", StringComparison.Ordinal), Limit, "<success/> to PLAIN");
        }
        finally
        {
            output.WriteLine(client.Transcript);
        }
    }

    [Fact]
    public async Task Openssl_s_client_with_another_alpn_gets_the_no_application_protocol_alert()
    {
        await using var client = OpenSslClient.StartDirectTls(_directPort, Cluster.Domain, "h2");
        Assert.NotEqual(0, await client.ExitAsync(Limit));
        output.WriteLine(client.Transcript);
        Assert.Contains("no application protocol", client.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// tls-exporter (RFC 9266) with a client nobody here wrote: `openssl s_client -keymatexport
    /// EXPORTER-Channel-Binding -keymatexportlen 32` prints the binding from its side, and the
    /// SCRAM-SHA-256-PLUS login with p=tls-exporter succeeds (server signature checked) with
    /// BouncyCastle; with SslStream the type is not advertised and is refused. TLS 1.3 only: on
    /// TLS 1.2 RFC 5705 tells "no context" from RFC 9266's zero-length context, and s_client 3.0
    /// can only export without one (the TLS 1.2 value is checked in BouncyCastleChannelBindingTests).
    /// </summary>
    [Theory]
    [InlineData("-tls1_3")]
    public async Task Openssl_s_client_logs_in_with_tls_exporter_channel_binding(string protocolFlag)
    {
        var erin = await _cluster.NewUserAsync("erin" + protocolFlag[^1]);
        await using var client = OpenSslClient.StartDirectTls(_directPort, Cluster.Domain, "xmpp-client",
            protocolFlag, "-keymatexport", "EXPORTER-Channel-Binding", "-keymatexportlen", "32");
        try
        {
            await client.UntilAsync((o, _) => Regex.IsMatch(o, "Keying material: [0-9A-Fa-f]{64}"), Limit, "the exported keying material");
            var exporter = Convert.FromHexString(Regex.Match(client.Stdout, "Keying material: ([0-9A-Fa-f]{64})").Groups[1].Value);
            await client.WriteLineAsync(StreamHeader);
            await client.UntilAsync((o, _) => o.Contains("</stream:features>", StringComparison.Ordinal), Limit, "stream features");
            var offered = client.Stdout.Contains("<channel-binding type='tls-exporter'/>", StringComparison.Ordinal);
            Assert.Equal(TlsStacks.OffersExporter(Stack), offered);

            var scram = new Xmpp.Common.Sasl.ScramClient(Xmpp.Common.Sasl.ScramAlgorithm.Sha256, erin.Local, erin.Password)
                .WithChannelBinding("p=tls-exporter", exporter);
            await client.WriteLineAsync("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256-PLUS'>" +
                Convert.ToBase64String(Encoding.UTF8.GetBytes(scram.ClientFirst())) + "</auth>");
            if (!offered)
            {
                await client.UntilAsync((o, _) => o.Contains("<malformed-request/>", StringComparison.Ordinal), Limit, "<malformed-request/> for an unsupported type");
                return;
            }
            await client.UntilAsync((o, _) => o.Contains("</challenge>", StringComparison.Ordinal), Limit, "the server-first challenge");
            var serverFirst = Encoding.UTF8.GetString(Convert.FromBase64String(Regex.Match(client.Stdout, "<challenge[^>]*>([^<]*)</challenge>").Groups[1].Value));
            await client.WriteLineAsync("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
                Convert.ToBase64String(Encoding.UTF8.GetBytes(scram.ClientFinal(serverFirst))) + "</response>");
            await client.UntilAsync((o, _) => o.Contains("</success>", StringComparison.Ordinal) || o.Contains("<failure", StringComparison.Ordinal), Limit, "the SASL outcome");
            var success = Regex.Match(client.Stdout, "<success[^>]*>([^<]*)</success>");
            Assert.True(success.Success, "SCRAM-SHA-256-PLUS with tls-exporter failed");
            Assert.True(scram.VerifyServerFinal(Encoding.UTF8.GetString(Convert.FromBase64String(success.Groups[1].Value))), "the server signature");
        }
        finally
        {
            output.WriteLine(client.Transcript);
        }
    }

    [Theory]
    [InlineData(false)] // STARTTLS on C2s:Port
    [InlineData(true)]  // direct TLS
    public async Task Channel_binding_a_wrong_binding_and_the_y_downgrade(bool direct)
    {
        var dave = await _cluster.NewUserAsync("dave");
        async Task<(TestClient Client, XElement Features)> ConnectAsync()
        {
            if (direct)
            {
                var d = await TestClient.ConnectDirectTlsAsync(_directPort, "dave", ["xmpp-client"], diagnostics: Diagnostics);
                return (d, await d.OpenStreamAsync());
            }
            var s = await TestClient.ConnectAsync(_cluster.C2s1Port, "dave", Diagnostics);
            await s.OpenStreamAsync();
            return (s, await s.StartTlsAsync());
        }

        // The right binding, computed by the client from the certificate it received.
        var (good, features) = await ConnectAsync();
        await using (good)
        {
            Assert.Contains("SCRAM-SHA-256-PLUS", Mechanisms(features));
            Assert.True((await good.AuthenticateAsync(dave.Jid, dave.Password, "SCRAM-SHA-256-PLUS",
                channelBinding: ("p=tls-server-end-point", good.ServerEndPointBinding()))).Success);
        }

        // Another certificate's hash (what a client behind a man in the middle computes): not-authorized.
        var (wrong, _) = await ConnectAsync();
        await using (wrong)
        {
            var other = wrong.ServerEndPointBinding().Select(b => (byte)~b).ToArray();
            var result = await wrong.AuthenticateAsync(dave.Jid, dave.Password, "SCRAM-SHA-256-PLUS", channelBinding: ("p=tls-server-end-point", other));
            Assert.False(result.Success);
            Assert.Equal("not-authorized", result.Condition);
        }

        // 'y': "I support channel binding, the server seems not to", although -PLUS was offered: not-authorized.
        var (downgraded, _) = await ConnectAsync();
        await using (downgraded)
        {
            var result = await downgraded.AuthenticateAsync(dave.Jid, dave.Password, "SCRAM-SHA-256", channelBinding: ("y", null));
            Assert.False(result.Success);
            Assert.Equal("not-authorized", result.Condition);
            // tls-exporter: with SslStream an unsupported type (malformed-request); with BouncyCastle
            // offered, so 32 zero bytes are a wrong binding (not-authorized)
            var exporter = await downgraded.AuthenticateAsync(dave.Jid, dave.Password, "SCRAM-SHA-256-PLUS", channelBinding: ("p=tls-exporter", new byte[32]));
            Assert.Equal(TlsStacks.OffersExporter(Stack) ? "not-authorized" : "malformed-request", exporter.Condition);
            // a type no stack knows: malformed-request
            var unknown = await downgraded.AuthenticateAsync(dave.Jid, dave.Password, "SCRAM-SHA-256-PLUS", channelBinding: ("p=tls-nonesuch", new byte[32]));
            Assert.Equal("malformed-request", unknown.Condition);
            // and the stream goes on: a plain SCRAM login ('n') still works
            Assert.True((await downgraded.AuthenticateAsync(dave.Jid, dave.Password, "SCRAM-SHA-256")).Success);
        }
    }

    [Fact]
    public async Task Tls_1_2_streams_also_offer_tls_unique_and_tls_1_3_streams_do_not()
    {
        // tls-exporter: BouncyCastle's stack only (on TLS 1.2 with the extended master secret, which .NET's client sends)
        string[] exporter = TlsStacks.OffersExporter(Stack) ? ["tls-exporter"] : [];
        await using var tls12 = await TestClient.ConnectDirectTlsAsync(_directPort, "tls12", ["xmpp-client"], SslProtocols.Tls12, Diagnostics);
        Assert.Equal(["tls-server-end-point", .. exporter, "tls-unique"], BindingTypes(await tls12.OpenStreamAsync()));
        await using var tls13 = await TestClient.ConnectDirectTlsAsync(_directPort, "tls13", ["xmpp-client"], SslProtocols.Tls13, Diagnostics);
        Assert.Equal(["tls-server-end-point", .. exporter], BindingTypes(await tls13.OpenStreamAsync()));
    }
}
