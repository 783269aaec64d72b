using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xmpp.Integration.Tests.Observability;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>
/// Issue 19: the direct TLS port (XEP-0368) takes PROXY protocol v2 from a trusted proxy and
/// applies the per-address limits to the header's source address, as C2s:Port does. A refused
/// address is closed before any TLS (no plain-text stream error a TLS client could not read).
/// </summary>
public sealed class DirectTlsProxyTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private readonly int _directPort = FreePort.Pick();
    private Cluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await Cluster.StartAsync(new ClusterOptions
        {
            C2sCount = 1,
            ExtraArgs = new Dictionary<string, string[]>
            {
                ["c2s"] = [$"--C2s:DirectTlsPort={_directPort}", "--C2s:ProxyProtocol:TrustedProxies:0=127.0.0.1", "--C2s:Limits:MaxConnectionsPerIp=1"],
            },
        });

    public async Task DisposeAsync()
    {
        output.WriteLine(_cluster.OutputTail(40));
        await _cluster.DisposeAsync();
    }

    /// <summary>A PROXY v2 header naming <paramref name="source"/>, then the TLS handshake with ALPN xmpp-client.</summary>
    private async Task<SslStream> ConnectViaProxyAsync(IPEndPoint source)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(IPAddress.Loopback, _directPort);
        var network = tcp.GetStream();
        await network.WriteAsync(ProxyV2.Tcp4(source, new IPEndPoint(IPAddress.Loopback, _directPort)));
        var tls = new SslStream(network, leaveInnerStreamOpen: false);
        using var cts = new CancellationTokenSource(Limit);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ApplicationProtocols = [new SslApplicationProtocol("xmpp-client")],
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            }, cts.Token);
        }
        catch
        {
            await tls.DisposeAsync();
            tcp.Dispose();
            throw;
        }
        return tls;
    }

    private static async Task<string> FeaturesAsync(SslStream tls)
    {
        await tls.WriteAsync(Encoding.UTF8.GetBytes(
            "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>"));
        var text = new StringBuilder();
        var buffer = new byte[8192];
        using var cts = new CancellationTokenSource(Limit);
        while (!text.ToString().Contains("</stream:features>", StringComparison.Ordinal))
        {
            var n = await tls.ReadAsync(buffer, cts.Token);
            if (n == 0) throw new InvalidOperationException("closed before the features: " + text);
            text.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        return text.ToString();
    }

    [Fact]
    public async Task The_headers_source_address_is_the_clients_and_its_limit_applies_on_the_direct_tls_port()
    {
        var first = await ConnectViaProxyAsync(new IPEndPoint(IPAddress.Parse("127.0.0.9"), 40001));
        await using (first)
        {
            var features = await FeaturesAsync(first);
            Assert.Contains("SCRAM-SHA-256-PLUS", features, StringComparison.Ordinal);
            Assert.DoesNotContain("starttls", features, StringComparison.Ordinal);
            await _cluster.C2s1.WaitForLineAsync(new Regex(@"Connection \S+ from 127\.0\.0\.9 via proxy 127\.0\.0\.1 \(direct TLS\)"), Limit);

            // a second connection of 127.0.0.9 is over C2s:Limits:MaxConnectionsPerIp=1: closed before TLS, logged and counted
            await Assert.ThrowsAnyAsync<Exception>(() => ConnectViaProxyAsync(new IPEndPoint(IPAddress.Parse("127.0.0.9"), 40002)));
            await _cluster.C2s1.WaitForLineAsync(new Regex(@"Refused a connection from 127\.0\.0\.9 via proxy 127\.0\.0\.1: too-many-open"), Limit);
            await Scrape.UntilAsync(_cluster.MetricsPortOf(_cluster.C2s1),
                m => Scrape.Value(m, "xmpp_c2s_connections_refused_total", "reason=\"too-many-open\"") == 1, Limit, "the refusal counted");

            // another client behind the same proxy is its own address: admitted
            await using var third = await ConnectViaProxyAsync(new IPEndPoint(IPAddress.Parse("127.0.0.10"), 40003));
            Assert.Contains("</stream:features>", await FeaturesAsync(third), StringComparison.Ordinal);
        }
    }
}
