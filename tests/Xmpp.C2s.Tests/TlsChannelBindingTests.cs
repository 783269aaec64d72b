using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using System.Security.Authentication.ExtendedProtection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Xmpp.C2s.Tls;

namespace Xmpp.C2s.Tests;

/// <summary>
/// The channel binding data c2s computes from its side of a real TLS connection (loopback
/// SslStreams) equals what a .NET client computes from its side; and direct TLS's ALPN.
/// </summary>
public sealed class TlsChannelBindingTests
{
    private static readonly X509Certificate2 Certificate = ServerCertificate.CreateSelfSigned("localhost");
    private static readonly ServerTls Server = new(Certificate, TlsStack.SslStream);
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    private static async Task<(SslStream Server, SslStream Client)> HandshakeAsync(SslProtocols protocol, SslServerAuthenticationOptions serverOptions,
        List<SslApplicationProtocol>? alpn = null)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accepted = listener.AcceptTcpClientAsync();
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var server = new SslStream((await accepted).GetStream());
        var client = new SslStream(tcp.GetStream());
        using var cts = new CancellationTokenSource(Limit);
        var serverSide = server.AuthenticateAsServerAsync(serverOptions, cts.Token);
        var clientSide = client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            EnabledSslProtocols = protocol,
            ApplicationProtocols = alpn,
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        }, cts.Token);
        try
        {
            await Task.WhenAll(serverSide, clientSide);
        }
        catch
        {
            await server.DisposeAsync();
            await client.DisposeAsync();
            throw;
        }
        return (server, client);
    }

    private static byte[] ClientSide(SslStream client, ChannelBindingKind kind, string type)
    {
        using var binding = client.TransportContext!.GetChannelBinding(kind)!;
        return TlsChannelBinding.ApplicationData(binding, type)!;
    }

    [Fact]
    public void The_end_point_hash_of_an_ecdsa_sha256_certificate_is_its_sha256()
    {
        Assert.Equal(HashAlgorithmName.SHA256, TlsChannelBinding.EndPointHash(Certificate));
        Assert.Equal(SHA256.HashData(Certificate.RawData), Server.EndPointData);
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task Tls_server_end_point_matches_what_the_client_computes(SslProtocols protocol)
    {
        var (server, client) = await HandshakeAsync(protocol, Server.Options!);
        await using (server)
        await using (client)
        {
            var binding = TlsChannelBinding.Of(server, Server.EndPointData);
            Assert.Equal(ClientSide(client, ChannelBindingKind.Endpoint, TlsChannelBinding.ServerEndPoint), binding.DataOf(TlsChannelBinding.ServerEndPoint));
        }
    }

    [Fact]
    public async Task Tls_unique_is_offered_on_tls_1_2_and_matches_the_client()
    {
        var (server, client) = await HandshakeAsync(SslProtocols.Tls12, Server.Options!);
        await using (server)
        await using (client)
        {
            var binding = TlsChannelBinding.Of(server, Server.EndPointData);
            Assert.Equal([TlsChannelBinding.ServerEndPoint, TlsChannelBinding.Unique], binding.Types);
            var unique = binding.DataOf(TlsChannelBinding.Unique);
            Assert.Equal(12, unique!.Length); // TLS 1.2 verify_data
            Assert.Equal(ClientSide(client, ChannelBindingKind.Unique, TlsChannelBinding.Unique), unique);
        }
    }

    [Fact]
    public async Task Tls_unique_is_not_offered_on_tls_1_3()
    {
        var (server, client) = await HandshakeAsync(SslProtocols.Tls13, Server.Options!);
        await using (server)
        await using (client)
            Assert.Equal([TlsChannelBinding.ServerEndPoint], TlsChannelBinding.Of(server, Server.EndPointData).Types);
    }

    [Fact]
    public void The_sec_channel_bindings_structure_is_read_by_its_length_and_offset()
    {
        var structure = new byte[32 + 11 + 3];
        BitConverter.TryWriteBytes(structure.AsSpan(24), 14);
        BitConverter.TryWriteBytes(structure.AsSpan(28), 32);
        Encoding.ASCII.GetBytes("tls-unique:").CopyTo(structure, 32);
        structure[43] = 1; structure[44] = 2; structure[45] = 3;
        Assert.Equal([1, 2, 3], TlsChannelBinding.ApplicationData(structure, "tls-unique"));
        Assert.Null(TlsChannelBinding.ApplicationData(structure, "tls-server-end-point")); // another type's prefix
        BitConverter.TryWriteBytes(structure.AsSpan(24), 15); // runs past the end
        Assert.Null(TlsChannelBinding.ApplicationData(structure, "tls-unique"));
        Assert.Null(TlsChannelBinding.ApplicationData(structure.AsSpan(0, 20), "tls-unique"));
    }

    [Fact]
    public async Task Direct_tls_negotiates_alpn_xmpp_client_and_serves_a_client_without_alpn()
    {
        var (server, client) = await HandshakeAsync(SslProtocols.Tls13, Server.DirectOptions!, [ServerTls.XmppClient]);
        await using (server)
        await using (client)
            Assert.Equal(ServerTls.XmppClient, server.NegotiatedApplicationProtocol);
        var (server2, client2) = await HandshakeAsync(SslProtocols.Tls13, Server.DirectOptions!);
        await using (server2)
        await using (client2)
            Assert.Equal(default, server2.NegotiatedApplicationProtocol);
    }

    [Fact]
    public async Task Direct_tls_refuses_a_client_whose_alpn_lacks_xmpp_client()
    {
        await Assert.ThrowsAnyAsync<AuthenticationException>(() => HandshakeAsync(SslProtocols.Tls13, Server.DirectOptions!, [SslApplicationProtocol.Http2]));
    }
}
