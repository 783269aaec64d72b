using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Xmpp.C2s.Tls;
using Xmpp.C2s.Tls.BouncyCastle;

namespace Xmpp.C2s.Tests;

/// <summary>
/// C2s:Tls:Stack=BouncyCastle through real loopback sockets, with .NET's SslStream (OpenSSL) as
/// the client: the handshake with an ECDSA P-256 and an RSA certificate over TLS 1.2 and 1.3,
/// data both ways (a zero-byte read waits for data without consuming it; a large write spans
/// many records), and close_notify in both directions.
/// </summary>
public sealed class BouncyCastleTlsTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    public static TheoryData<string, SslProtocols> Cases => new()
    {
        { "ec", SslProtocols.Tls12 }, { "ec", SslProtocols.Tls13 },
        { "rsa", SslProtocols.Tls12 }, { "rsa", SslProtocols.Tls13 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Handshake_data_both_ways_and_close_notify_from_the_server(string key, SslProtocols protocol)
    {
        await using var pair = await TlsPair.StartAsync(key, protocol);
        Assert.Equal(protocol, pair.Client.SslProtocol);
        var (version, _, _) = TlsStreams.Describe(pair.Server);
        Assert.Equal(protocol == SslProtocols.Tls13 ? "TLS 1.3" : "TLS 1.2", version);

        // client -> server: the zero-byte read returns once data is there, the next read gets it
        var zero = pair.Server.ReadAsync(Memory<byte>.Empty).AsTask();
        await pair.Client.WriteAsync(Encoding.UTF8.GetBytes("<presence/>"));
        Assert.Equal(0, await zero.WaitAsync(Limit));
        var buffer = new byte[64];
        var read = await pair.Server.ReadAsync(buffer).AsTask().WaitAsync(Limit);
        Assert.Equal("<presence/>", Encoding.UTF8.GetString(buffer, 0, read));

        // server -> client: 100 KB across several records
        var large = RandomNumberGenerator.GetBytes(100_000);
        await pair.Server.WriteAsync(large).AsTask().WaitAsync(Limit);
        var received = new byte[large.Length];
        await pair.Client.ReadExactlyAsync(received).AsTask().WaitAsync(Limit);
        Assert.Equal(large, received);

        // our close_notify: the client reads the end of the TLS stream (not a broken connection)
        await TlsStreams.ShutdownAsync(pair.Server).WaitAsync(Limit);
        Assert.Equal(0, await pair.Client.ReadAsync(buffer).AsTask().WaitAsync(Limit));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_clients_close_notify_ends_the_servers_stream(string key, SslProtocols protocol)
    {
        await using var pair = await TlsPair.StartAsync(key, protocol);
        await pair.Client.WriteAsync(Encoding.UTF8.GetBytes("</stream:stream>"));
        await pair.Client.ShutdownAsync();
        var buffer = new byte[64];
        var read = await pair.Server.ReadAsync(buffer).AsTask().WaitAsync(Limit);
        Assert.Equal("</stream:stream>", Encoding.UTF8.GetString(buffer, 0, read));
        Assert.Equal(0, await pair.Server.ReadAsync(buffer).AsTask().WaitAsync(Limit));
        // BouncyCastle answered with its own close_notify: the client sees a clean end too
        Assert.Equal(0, await pair.Client.ReadAsync(buffer).AsTask().WaitAsync(Limit));
    }

    [Fact]
    public async Task A_client_that_is_not_tls_fails_the_handshake()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        using var accepted = await listener.AcceptAsync();
        await using var network = new NetworkStream(accepted, ownsSocket: false);
        var tls = new ServerTls(ServerCertificate.CreateSelfSigned("localhost"), TlsStack.BouncyCastle);
        var handshake = tls.AuthenticateAsync(network, directTls: false, CancellationToken.None);
        await client.SendAsync(Encoding.ASCII.GetBytes("<stream:stream to='localhost'>\r\n\r\n"));
        await Assert.ThrowsAnyAsync<IOException>(() => handshake.WaitAsync(Limit));
    }

    private sealed class TlsPair : IAsyncDisposable
    {
        private readonly Socket _clientSocket;
        private readonly Socket _serverSocket;
        private readonly NetworkStream _serverNetwork;

        private TlsPair(Socket clientSocket, Socket serverSocket, NetworkStream serverNetwork, SslStream client, Stream server)
        {
            _clientSocket = clientSocket;
            _serverSocket = serverSocket;
            _serverNetwork = serverNetwork;
            Client = client;
            Server = server;
        }

        public SslStream Client { get; }
        public Stream Server { get; }

        public static async Task<TlsPair> StartAsync(string key, SslProtocols protocol)
        {
            var certificate = key == "rsa" ? CreateRsaCertificate() : ServerCertificate.CreateSelfSigned("localhost");
            var tls = new ServerTls(certificate, TlsStack.BouncyCastle);
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            var clientSocket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await clientSocket.ConnectAsync(listener.LocalEndPoint!);
            var serverSocket = await listener.AcceptAsync();
            var serverNetwork = new NetworkStream(serverSocket, ownsSocket: false);
            var client = new SslStream(new NetworkStream(clientSocket, ownsSocket: false), leaveInnerStreamOpen: false,
                (_, cert, _, _) => cert is not null && cert.GetCertHashString() == certificate.GetCertHashString());
            var serverSide = tls.AuthenticateAsync(serverNetwork, directTls: false, CancellationToken.None);
            await client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                EnabledSslProtocols = protocol,
            }).WaitAsync(Limit);
            var server = await serverSide.WaitAsync(Limit);
            Assert.IsType<BcTlsStream>(server);
            return new TlsPair(clientSocket, serverSocket, serverNetwork, client, server);
        }

        private static X509Certificate2 CreateRsaCertificate()
        {
            using var rsa = RSA.Create(2048);
            var request = new CertificateRequest("CN=localhost", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("localhost");
            request.CertificateExtensions.Add(san.Build());
            using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
        }

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Server.DisposeAsync();
            await _serverNetwork.DisposeAsync();
            _clientSocket.Dispose();
            _serverSocket.Dispose();
        }
    }
}
