using System.Text;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xmpp.Integration.Tests.Observability;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>
/// TLS interop with OpenSSL's own client through the real processes: `openssl s_client -starttls
/// xmpp` with TLS 1.2 and with TLS 1.3 completes STARTTLS and the handshake, and the XMPP stream
/// goes on over it (features, SASL PLAIN). With TLS 1.3, KeyUpdates from the client (one that asks
/// c2s to update its own keys too) leave the connection usable. A client close_notify ends the
/// connection cleanly on c2s's side; a closed stream gets c2s's own close_notify.
/// </summary>
public class OpenSslInteropTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
    private const string StreamHeader =
        "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>";

    private static string PlainAuth(Account a) =>
        "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" +
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{a.Local}\0{a.Password}")) + "</auth>";

    /// <summary>s_client through STARTTLS and the handshake, then the restarted stream up to its SASL features.</summary>
    private async Task<OpenSslClient> SecuredStreamAsync(string protocolFlag, string expectedVersion)
    {
        var client = OpenSslClient.Start(C2s1, protocolFlag, Cluster.Domain);
        try
        {
            await client.UntilAsync((o, _) => o.Contains($"New, {expectedVersion}, Cipher is", StringComparison.Ordinal), Limit, "handshake");
            await client.WriteLineAsync(StreamHeader);
            await client.UntilAsync((o, _) => o.Contains("<mechanism>PLAIN</mechanism>", StringComparison.Ordinal), Limit, "stream features after TLS");
            return client;
        }
        catch
        {
            Output.WriteLine(client.Transcript);
            await client.DisposeAsync();
            throw;
        }
    }

    [Theory]
    [InlineData("-tls1_2", "TLSv1.2")]
    [InlineData("-tls1_3", "TLSv1.3")]
    public async Task Handshake_completes_and_the_stream_goes_on_to_authentication(string flag, string version)
    {
        var alice = await Cluster.NewUserAsync("alice");
        await using var client = await SecuredStreamAsync(flag, version);
        await client.WriteLineAsync(PlainAuth(alice));
        await client.UntilAsync((o, _) => o.Contains("<success", StringComparison.Ordinal), Limit, "<success/> to PLAIN");
        Output.WriteLine(client.Transcript);
    }

    [Fact]
    public async Task Tls13_key_updates_keep_the_connection_usable()
    {
        var alice = await Cluster.NewUserAsync("alice");
        await using var client = await SecuredStreamAsync("-tls1_3", "TLSv1.3");
        // "k": the client updates its sending keys; "K": it also asks c2s to update its own
        // (update_requested), so c2s's next record is under new keys too. s_client takes one
        // command per read of its stdin, so each waits for the one before.
        await client.WriteLineAsync("k");
        await client.UntilAsync((_, err) => CountOf(err, "KEYUPDATE") >= 1, Limit, "a KeyUpdate sent");
        await client.WriteLineAsync("K");
        await client.UntilAsync((_, err) => CountOf(err, "KEYUPDATE") >= 2, Limit, "a second KeyUpdate sent");
        await client.WriteLineAsync(PlainAuth(alice));
        await client.UntilAsync((o, _) => o.Contains("<success", StringComparison.Ordinal), Limit, "<success/> after the KeyUpdates");
        // And once more after authentication: the restarted stream's features arrive.
        await client.WriteLineAsync("K");
        await client.UntilAsync((_, err) => CountOf(err, "KEYUPDATE") >= 3, Limit, "a third KeyUpdate");
        await client.WriteLineAsync(StreamHeader);
        await client.UntilAsync((o, _) => o.Contains("urn:ietf:params:xml:ns:xmpp-bind", StringComparison.Ordinal), Limit, "bind feature after the third KeyUpdate");
        Assert.False(client.HasExited, client.Transcript);
        Output.WriteLine(client.Transcript);
    }

    [Theory]
    [InlineData("-tls1_2", "TLSv1.2")]
    [InlineData("-tls1_3", "TLSv1.3")]
    public async Task A_client_close_notify_ends_the_connection_cleanly(string flag, string version)
    {
        var metricsPort = Cluster.MetricsPortOf(Cluster.C2s1);
        var before = Scrape.Value(await Scrape.MetricsAsync(metricsPort), "xmpp_c2s_client_closes_total", "transport=\"tls\"") ?? 0;
        var linesBefore = Cluster.C2s1.LineCount;

        await using var client = await SecuredStreamAsync(flag, version);
        await client.WriteLineAsync("Q"); // s_client sends close_notify and exits
        Assert.Equal(0, await client.ExitAsync(Limit));
        Assert.Contains("DONE", client.Stderr, StringComparison.Ordinal);

        // c2s saw the client end its TLS session (read end of stream, not an error) ...
        await Scrape.UntilAsync(metricsPort, m => Scrape.Value(m, "xmpp_c2s_client_closes_total", "transport=\"tls\"") >= before + 1, Limit,
            "the client's close counted as a TLS close");
        // ... and logged no failure for it.
        var lines = Cluster.C2s1.LinesFrom(linesBefore);
        Assert.DoesNotContain(lines, l => l.Contains("fail", StringComparison.OrdinalIgnoreCase) || l.Contains("error", StringComparison.OrdinalIgnoreCase));
        Output.WriteLine(client.Transcript);
    }

    [Theory]
    [InlineData("-tls1_2", "TLSv1.2")]
    [InlineData("-tls1_3", "TLSv1.3")]
    public async Task A_closed_stream_gets_the_servers_close_notify(string flag, string version)
    {
        await using var client = await SecuredStreamAsync(flag, version);
        await client.WriteLineAsync("</stream:stream>");
        // s_client prints "closed" only when the server's close_notify arrives (SSL_ERROR_ZERO_RETURN);
        // a TCP close without it is an error ("unexpected eof") and a non-zero exit.
        await client.UntilAsync((o, _) => o.Contains("</stream:stream>", StringComparison.Ordinal), Limit, "c2s's </stream:stream>");
        Assert.Equal(0, await client.ExitAsync(Limit)); // it leaves by itself: stdin is still open
        Assert.Contains("closed", client.Stdout.Split("</stream:stream>").Last(), StringComparison.Ordinal);
        Output.WriteLine(client.Transcript);
    }

    private static int CountOf(string text, string word)
    {
        var n = 0;
        for (var i = text.IndexOf(word, StringComparison.Ordinal); i >= 0; i = text.IndexOf(word, i + word.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
