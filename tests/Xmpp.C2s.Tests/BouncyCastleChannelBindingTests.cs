using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Authentication.ExtendedProtection;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;
using Xmpp.C2s.Tls;
using Xmpp.C2s.Tls.BouncyCastle;

namespace Xmpp.C2s.Tests;

/// <summary>
/// C2s:Tls:Stack=BouncyCastle: what c2s offers for SCRAM-*-PLUS and XEP-0368, through loopback
/// sockets. tls-unique equals what .NET's client (OpenSSL) computes; tls-exporter (RFC 9266)
/// equals what an independent client (BouncyCastle's own client side) exports, on TLS 1.2 and
/// 1.3; the direct TLS port chooses ALPN xmpp-client, serves a client without ALPN and refuses
/// one whose ALPN lacks xmpp-client.
/// </summary>
public sealed class BouncyCastleChannelBindingTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
    private static readonly ServerTls Server = new(ServerCertificate.CreateSelfSigned("localhost"), TlsStack.BouncyCastle);

    private sealed class Loopback : IDisposable
    {
        public required Socket Client { get; init; }
        public required Socket Accepted { get; init; }
        public required NetworkStream ServerNetwork { get; init; }

        public static async Task<Loopback> OpenAsync()
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(listener.LocalEndPoint!);
            var accepted = await listener.AcceptAsync();
            return new Loopback { Client = client, Accepted = accepted, ServerNetwork = new NetworkStream(accepted, ownsSocket: false) };
        }

        public void Dispose()
        {
            ServerNetwork.Dispose();
            Client.Dispose();
            Accepted.Dispose();
        }
    }

    private static async Task<(SslStream Client, BcTlsStream Server)> DotNetClientAsync(Loopback loop, SslProtocols protocol, bool direct,
        List<SslApplicationProtocol>? alpn = null)
    {
        var client = new SslStream(new NetworkStream(loop.Client, ownsSocket: false), leaveInnerStreamOpen: false, (_, _, _, _) => true);
        var serverSide = Server.AuthenticateAsync(loop.ServerNetwork, direct, CancellationToken.None);
        try
        {
            await client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                EnabledSslProtocols = protocol,
                ApplicationProtocols = alpn,
            }).WaitAsync(Limit);
        }
        catch
        {
            await client.DisposeAsync();
            await Assert.ThrowsAnyAsync<IOException>(() => serverSide.WaitAsync(Limit)); // the server side failed too
            throw;
        }
        return (client, Assert.IsType<BcTlsStream>(await serverSide.WaitAsync(Limit)));
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task Tls_unique_equals_the_dotnet_clients_on_tls_1_2_and_is_not_offered_on_tls_1_3(SslProtocols protocol)
    {
        using var loop = await Loopback.OpenAsync();
        var (client, server) = await DotNetClientAsync(loop, protocol, direct: false);
        await using var _ = client;
        await using var __ = server;
        var offered = TlsChannelBinding.Of(server, Server.EndPointData);
        Assert.NotNull(offered.DataOf(TlsChannelBinding.ServerEndPoint));
        Assert.Equal(32, offered.DataOf(TlsChannelBinding.Exporter)?.Length); // .NET's client (OpenSSL) sends extended_master_secret on TLS 1.2
        if (protocol == SslProtocols.Tls12)
        {
            using var binding = client.TransportContext!.GetChannelBinding(ChannelBindingKind.Unique)!;
            var expected = TlsChannelBinding.ApplicationData(binding, TlsChannelBinding.Unique);
            Assert.NotNull(expected);
            Assert.Equal(expected, offered.DataOf(TlsChannelBinding.Unique));
            Assert.Equal([TlsChannelBinding.ServerEndPoint, TlsChannelBinding.Exporter, TlsChannelBinding.Unique], offered.Types);
        }
        else
        {
            Assert.Equal([TlsChannelBinding.ServerEndPoint, TlsChannelBinding.Exporter], offered.Types);
        }
    }

    /// <summary>BouncyCastle's client side, trusting any certificate (this test checks the binding data, not the certificate).</summary>
    private sealed class AnyCertificateClient(ProtocolVersion version) : DefaultTlsClient(new BcTlsCrypto(new SecureRandom()))
    {
        protected override ProtocolVersion[] GetSupportedVersions() => [version];

        /// <summary>tls-exporter's data, exported at the end of the handshake (the only time BouncyCastle allows it).</summary>
        public byte[]? Exporter { get; private set; }

        /// <summary>RFC 5705's exporter with a zero-length context (RFC 9266 §2's "empty context value").</summary>
        public byte[]? ZeroLengthContext { get; private set; }

        /// <summary>RFC 5705's exporter without a context (differs from the zero-length one on TLS 1.2 only).</summary>
        public byte[]? NoContext { get; private set; }

        public override void NotifyHandshakeComplete()
        {
            base.NotifyHandshakeComplete();
            Exporter = m_context.ExportChannelBinding(Org.BouncyCastle.Tls.ChannelBinding.tls_exporter);
            ZeroLengthContext = m_context.ExportKeyingMaterial("EXPORTER-Channel-Binding", [], 32);
            NoContext = m_context.ExportKeyingMaterial("EXPORTER-Channel-Binding", null, 32);
        }

        public override TlsAuthentication GetAuthentication() => new AcceptAll();

        private sealed class AcceptAll : TlsAuthentication
        {
            public void NotifyServerCertificate(TlsServerCertificate serverCertificate)
            {
            }

            public TlsCredentials? GetClientCredentials(CertificateRequest certificateRequest) => null;
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Tls_exporter_equals_an_independent_clients_on_tls_1_2_and_1_3(bool tls13)
    {
        using var loop = await Loopback.OpenAsync();
        var serverSide = Server.AuthenticateAsync(loop.ServerNetwork, directTls: false, CancellationToken.None);
        var tlsClient = new AnyCertificateClient(tls13 ? ProtocolVersion.TLSv13 : ProtocolVersion.TLSv12);
        var protocol = new TlsClientProtocol(new NetworkStream(loop.Client, ownsSocket: false));
        await Task.Run(() => protocol.Connect(tlsClient)).WaitAsync(Limit); // the blocking client handshake
        await using var server = Assert.IsType<BcTlsStream>(await serverSide.WaitAsync(Limit));
        var offered = TlsChannelBinding.Of(server, Server.EndPointData);
        var expected = tlsClient.Exporter;
        Assert.Equal(32, expected?.Length);
        Assert.Equal(expected, offered.DataOf(TlsChannelBinding.Exporter));
        // RFC 9266 §2: the label with a zero-length context; on TLS 1.2 "no context" is another value (RFC 5705 §4)
        Assert.Equal(tlsClient.ZeroLengthContext, offered.DataOf(TlsChannelBinding.Exporter));
        Assert.Equal(tls13, tlsClient.NoContext!.AsSpan().SequenceEqual(tlsClient.ZeroLengthContext));
        Assert.Equal(!tls13, offered.DataOf(TlsChannelBinding.Unique) is not null);
        protocol.Close();
    }

    [Fact]
    public async Task The_direct_tls_port_chooses_xmpp_client_serves_no_alpn_and_refuses_other_alpn()
    {
        using (var loop = await Loopback.OpenAsync())
        {
            var (client, server) = await DotNetClientAsync(loop, SslProtocols.Tls13, direct: true, [new("h2"), ServerTls.XmppClient]);
            await using var _ = client;
            await using var __ = server;
            Assert.Equal(ServerTls.XmppClient, client.NegotiatedApplicationProtocol);
            Assert.Equal("xmpp-client", server.ApplicationProtocol);
        }
        using (var loop = await Loopback.OpenAsync())
        {
            var (client, server) = await DotNetClientAsync(loop, SslProtocols.Tls12, direct: true);
            await using var _ = client;
            await using var __ = server;
            Assert.Equal("", server.ApplicationProtocol);
        }
        using (var loop = await Loopback.OpenAsync())
        {
            // RFC 7301 §3.2: the no_application_protocol alert, which .NET's client reports as an AuthenticationException
            var e = await Assert.ThrowsAnyAsync<AuthenticationException>(() => DotNetClientAsync(loop, SslProtocols.Tls13, direct: true, [new("h2")]));
            Assert.Contains("no application protocol", e.ToString().ToLowerInvariant().Replace('_', ' '));
        }
        using (var loop = await Loopback.OpenAsync())
        {
            // STARTTLS negotiates no ALPN
            var (client, server) = await DotNetClientAsync(loop, SslProtocols.Tls13, direct: false, [new("h2")]);
            await using var _ = client;
            await using var __ = server;
            Assert.Equal("", server.ApplicationProtocol);
        }
    }
}
