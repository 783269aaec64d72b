using System.Net;
using System.Text.RegularExpressions;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xmpp.Integration.Tests.Observability;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>
/// Issue 18: PROXY protocol v2 through a real c2s that trusts 127.0.0.1 only. From 127.0.0.1 the
/// header is required and its source address is the client's (per-address limits and logs use it);
/// from 127.0.0.2 (untrusted) a header is a protocol violation. Malformed and late headers close
/// the connection, logged and counted. deploy/haproxy.cfg sending it is Deployment/HaproxyTopologyTests.
/// </summary>
public sealed class ProxyProtocolTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly IPAddress Proxy = IPAddress.Parse("127.0.0.1");
    private static readonly IPAddress Untrusted = IPAddress.Parse("127.0.0.2");
    private const string StreamHeader =
        "<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";

    private Cluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await Cluster.StartAsync(new ClusterOptions
        {
            C2sCount = 1,
            ExtraArgs = new Dictionary<string, string[]>
            {
                ["c2s"] = ["--C2s:ProxyProtocol:TrustedProxies:0=127.0.0.1", "--C2s:ProxyProtocol:HeaderTimeout=00:00:01", "--C2s:Limits:MaxConnectionsPerIp=1"],
            },
        });

    public async Task DisposeAsync()
    {
        output.WriteLine(_cluster.OutputTail(60));
        await _cluster.DisposeAsync();
    }

    private int Port => _cluster.C2s1Port;
    private IPEndPoint C2s => new(Proxy, Port);

    private Task<string> MetricsAsync(string metric, string reason, double expected) =>
        Scrape.UntilAsync(_cluster.MetricsPortOf(_cluster.C2s1), m => Scrape.Value(m, metric, $"reason=\"{reason}\"") == expected, Timeout,
            $"{metric}{{reason=\"{reason}\"}} = {expected}");

    [Fact]
    public async Task The_headers_source_address_is_the_clients_for_the_per_address_limit_and_the_log()
    {
        // 127.0.0.9 through the proxy: admitted, the stream works
        await using var first = await RawClient.ConnectAsync(Port, Proxy);
        await first.SendAsync([.. ProxyV2.Tcp4(new IPEndPoint(IPAddress.Parse("127.0.0.9"), 40001), C2s), .. System.Text.Encoding.UTF8.GetBytes(StreamHeader)]);
        await first.ExpectAsync("<stream:features");
        await _cluster.C2s1.WaitForLineAsync(new Regex(@"Connection \S+ from 127\.0\.0\.9 via proxy 127\.0\.0\.1"), Timeout);

        // a second connection of 127.0.0.9 is over C2s:Limits:MaxConnectionsPerIp=1: refused, naming the client's address and the proxy's
        await using var second = await RawClient.ConnectAsync(Port, Proxy);
        await second.SendAsync([.. ProxyV2.Tcp4(new IPEndPoint(IPAddress.Parse("127.0.0.9"), 40002), C2s), .. System.Text.Encoding.UTF8.GetBytes(StreamHeader)]);
        await second.ExpectAsync("<policy-violation");
        await second.ExpectClosedAsync();
        await _cluster.C2s1.WaitForLineAsync(new Regex(@"Refused a connection from 127\.0\.0\.9 via proxy 127\.0\.0\.1: too-many-open"), Timeout);

        // another client behind the same proxy is its own address: admitted
        await using var third = await RawClient.ConnectAsync(Port, Proxy);
        await third.SendAsync(ProxyV2.Tcp4(new IPEndPoint(IPAddress.Parse("127.0.0.10"), 40003), C2s));
        await third.SendAsync(StreamHeader);
        await third.ExpectAsync("<stream:features");
        Assert.False(third.Closed);
    }

    [Fact]
    public async Task A_local_command_keeps_the_proxys_own_address()
    {
        await using var local = await RawClient.ConnectAsync(Port, Proxy);
        await local.SendAsync([.. ProxyV2.Local(), .. System.Text.Encoding.UTF8.GetBytes(StreamHeader)]);
        await local.ExpectAsync("<stream:features");
    }

    [Fact]
    public async Task From_a_trusted_proxy_a_connection_without_a_header_is_closed_at_once_and_counted()
    {
        await using var client = await RawClient.ConnectAsync(Port, Proxy);
        await client.SendAsync(StreamHeader); // no PROXY header first
        await client.ExpectClosedAsync();
        Assert.Equal("", client.Received); // not a word of XMPP to whoever this is
        await MetricsAsync("xmpp_c2s_proxy_protocol_rejected_total", "malformed", 1);
        await _cluster.C2s1.WaitForLineAsync(new Regex(@"Refused a connection from 127\.0\.0\.1: PROXY header malformed"), Timeout);
    }

    [Fact]
    public async Task From_a_trusted_proxy_a_truncated_header_is_closed_after_the_header_timeout()
    {
        await using var client = await RawClient.ConnectAsync(Port, Proxy);
        var header = ProxyV2.Tcp4(new IPEndPoint(IPAddress.Parse("127.0.0.9"), 40001), C2s);
        var started = DateTime.UtcNow;
        await client.SendAsync(header[..20]); // and then nothing
        await client.ExpectClosedAsync(Timeout);
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(0.9), "closed before C2s:ProxyProtocol:HeaderTimeout");
        Assert.Equal("", client.Received);
        await MetricsAsync("xmpp_c2s_proxy_protocol_rejected_total", "timeout", 1);
    }

    [Fact]
    public async Task From_a_trusted_proxy_a_header_with_a_length_past_the_limit_is_closed_at_once()
    {
        await using var client = await RawClient.ConnectAsync(Port, Proxy);
        await client.SendAsync([.. ProxyV2.Signature, 0x21, 0x11, 0xFF, 0xFF]); // 65535 bytes announced, more than C2s:ProxyProtocol:MaxHeaderBytes
        await client.ExpectClosedAsync(TimeSpan.FromSeconds(0.9)); // before the header timeout
        await MetricsAsync("xmpp_c2s_proxy_protocol_rejected_total", "too-long", 1);
    }

    [Fact]
    public async Task From_an_untrusted_address_a_proxy_header_is_a_protocol_violation()
    {
        await using var client = await RawClient.ConnectAsync(Port, Untrusted);
        await client.SendAsync([.. ProxyV2.Tcp4(new IPEndPoint(IPAddress.Parse("10.9.9.9"), 40001), C2s), .. System.Text.Encoding.UTF8.GetBytes(StreamHeader)]);
        await client.ExpectAsync("<not-well-formed");
        await client.ExpectClosedAsync();
        Assert.DoesNotContain("<stream:features", client.Received, StringComparison.Ordinal);
    }
}
