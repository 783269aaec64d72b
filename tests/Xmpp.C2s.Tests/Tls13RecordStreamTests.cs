using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Xmpp.C2s.Tls;

namespace Xmpp.C2s.Tests;

/// <summary>
/// The TLS hand-over against a real OpenSSL client (.NET's SslStream on Linux): the server side
/// starts on SslStream, exchanges data, hands its record protection over to
/// <see cref="Tls13RecordStream"/> at a record boundary, frees its SslStream, and the client
/// notices nothing: data both ways, large writes split into records, close_notify. A wrong key,
/// IV or sequence number would make the client's OpenSSL reject the first record.
/// </summary>
public sealed class Tls13RecordStreamTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(TlsCipherSuite.TLS_AES_256_GCM_SHA384)]
    [InlineData(TlsCipherSuite.TLS_AES_128_GCM_SHA256)]
    [InlineData(TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256)]
    public async Task An_established_connection_continues_on_our_record_layer(TlsCipherSuite suite)
    {
        if (LibSsl.Unavailable is not null || OperatingSystem.IsWindows()) return; // not Linux/OpenSSL: c2s keeps SslStream there
        using var certificate = ServerCertificate.CreateSelfSigned("localhost");
        var tls = new ServerTls(certificate, new C2sOptions());

        // What c2s does before accepting: the callbacks are on .NET's shared OpenSSL context
        // before the first client's handshake begins.
        await tls.WarmUpAsync(NullLogger.Instance, CancellationToken.None);

        await using var pair = await Pair.ConnectAsync(tls, suite);
        // Some traffic on SslStream first, so the sequence numbers are not where they started.
        await pair.Client.WriteAsync("one"u8.ToArray());
        Assert.Equal("one", await ReadTextAsync(pair.Server, 3));
        await pair.Server.WriteAsync("two"u8.ToArray());
        Assert.Equal("two", await ReadTextAsync(pair.Client, 3));

        var records = await pair.HandOverAsync();

        await pair.Client.WriteAsync("three"u8.ToArray());
        Assert.Equal("three", await ReadTextAsync(records, 5));
        await records.WriteAsync("four"u8.ToArray());
        Assert.Equal("four", await ReadTextAsync(pair.Client, 4));

        // More than one record's worth each way, and several small records read as one stream.
        var big = RandomNumberGenerator.GetBytes(70_000);
        await records.WriteAsync(big);
        var got = new byte[big.Length];
        await pair.Client.ReadExactlyAsync(got).AsTask().WaitAsync(Limit);
        Assert.Equal(big, got);
        await pair.Client.WriteAsync(big);
        got.AsSpan().Clear();
        await records.ReadExactlyAsync(got).AsTask().WaitAsync(Limit);
        Assert.Equal(big, got);

        // An idle moment drops the cipher objects; the next records make them again.
        records.ReleaseIdleCiphers();
        records.ReleaseIdleCiphers();
        await pair.Client.WriteAsync("five"u8.ToArray());
        Assert.Equal("five", await ReadTextAsync(records, 4));
        await records.WriteAsync("six"u8.ToArray());
        Assert.Equal("six", await ReadTextAsync(pair.Client, 3));

        // close_notify from the client ends our stream.
        await pair.Client.ShutdownAsync();
        Assert.Equal(0, await records.ReadAsync(new byte[16]).AsTask().WaitAsync(Limit));
    }

    [Fact]
    public async Task A_tls12_connection_is_not_taken_over()
    {
        if (LibSsl.Unavailable is not null || OperatingSystem.IsWindows()) return;
        using var certificate = ServerCertificate.CreateSelfSigned("localhost");
        var tls = new ServerTls(certificate, new C2sOptions());
        await tls.WarmUpAsync(NullLogger.Instance, CancellationToken.None);
        await using var pair = await Pair.ConnectAsync(tls, suite: null);
        Assert.Equal(System.Security.Authentication.SslProtocols.Tls12, pair.Server.SslProtocol);
        Assert.False(OpenSslTrafficSecrets.CanTakeOver(pair.Server));
        Assert.Null(OpenSslTrafficSecrets.Take(pair.Server, Stream.Null));
        await pair.Client.WriteAsync("still fine"u8.ToArray());
        Assert.Equal("still fine", await ReadTextAsync(pair.Server, 10));
    }

    [Fact]
    public async Task A_client_key_update_is_followed_and_answered()
    {
        // Both ends on our record layer: the "client" writes raw records, so it can send a KeyUpdate.
        var suite = Tls13CipherSuite.Aes256GcmSha384;
        var clientSecret = RandomNumberGenerator.GetBytes(suite.HashLength);
        var serverSecret = RandomNumberGenerator.GetBytes(suite.HashLength);
        var (clientSocket, serverSocket) = await SocketPairAsync();
        await using var clientNet = new NetworkStream(clientSocket, ownsSocket: true);
        await using var serverNet = new NetworkStream(serverSocket, ownsSocket: true);
        await using var server = new Tls13RecordStream(serverNet,
            new Tls13RecordKey(suite, (byte[])clientSecret.Clone(), 7), new Tls13RecordKey(suite, (byte[])serverSecret.Clone(), 3));
        using var clientWrite = new Tls13RecordKey(suite, clientSecret, 7);
        using var clientRead = new Tls13RecordKey(suite, serverSecret, 3);

        var buffer = new byte[256];
        var n = clientWrite.Seal([24, 0, 0, 1, 1], Tls13RecordKey.Handshake, buffer); // KeyUpdate, update_requested
        clientWrite.Update();
        n += clientWrite.Seal("after"u8, Tls13RecordKey.ApplicationData, buffer.AsSpan(n));
        await clientNet.WriteAsync(buffer.AsMemory(0, n));
        Assert.Equal("after", await ReadTextAsync(server, 5));

        // Our next write carries our own KeyUpdate first, then data under the next key.
        await server.WriteAsync("reply"u8.ToArray());
        var keyUpdate = await ReadRecordAsync(clientNet);
        Assert.True(clientRead.TryOpen(keyUpdate, out var length, out var type));
        Assert.Equal(Tls13RecordKey.Handshake, type);
        Assert.Equal(new byte[] { 24, 0, 0, 1, 0 }, keyUpdate.AsSpan(Tls13RecordKey.HeaderLength, length).ToArray());
        clientRead.Update();
        var reply = await ReadRecordAsync(clientNet);
        Assert.True(clientRead.TryOpen(reply, out length, out type));
        Assert.Equal(Tls13RecordKey.ApplicationData, type);
        Assert.Equal("reply"u8.ToArray(), reply.AsSpan(Tls13RecordKey.HeaderLength, length).ToArray());
    }

    [Fact]
    public async Task A_tampered_record_ends_the_stream()
    {
        var suite = Tls13CipherSuite.Aes128GcmSha256;
        var secret = RandomNumberGenerator.GetBytes(suite.HashLength);
        var (clientSocket, serverSocket) = await SocketPairAsync();
        await using var clientNet = new NetworkStream(clientSocket, ownsSocket: true);
        await using var serverNet = new NetworkStream(serverSocket, ownsSocket: true);
        await using var server = new Tls13RecordStream(serverNet,
            new Tls13RecordKey(suite, (byte[])secret.Clone(), 0), new Tls13RecordKey(suite, RandomNumberGenerator.GetBytes(suite.HashLength), 0));
        using var clientWrite = new Tls13RecordKey(suite, secret, 0);
        var buffer = new byte[64];
        var n = clientWrite.Seal("hello"u8, Tls13RecordKey.ApplicationData, buffer);
        buffer[n - 1] ^= 1;
        await clientNet.WriteAsync(buffer.AsMemory(0, n));
        await Assert.ThrowsAsync<IOException>(() => server.ReadAsync(new byte[16]).AsTask().WaitAsync(Limit));
    }

    public static TheoryData<string, byte[]> HostileRecords => new()
    {
        // a plaintext handshake record after the handshake
        { "plaintext record", [22, 3, 3, 0, 4, 1, 0, 0, 0] },
        // longer than 2^14 + 256
        { "oversized record", [23, 3, 3, 0x41, 0x01] },
        // shorter than a tag
        { "record without a tag", [23, 3, 3, 0, 3, 1, 2, 3] },
    };

    [Theory]
    [MemberData(nameof(HostileRecords))]
    public async Task Hostile_bytes_end_the_stream_with_an_error(string what, byte[] bytes)
    {
        var (server, clientNet) = await RecordPairAsync(Tls13CipherSuite.Aes128GcmSha256, new byte[32]);
        await using (server)
        await using (clientNet)
        {
            await clientNet.WriteAsync(bytes);
            var e = await Assert.ThrowsAsync<IOException>(() => server.ReadAsync(new byte[16]).AsTask().WaitAsync(Limit));
            Assert.False(string.IsNullOrEmpty(e.Message), what);
        }
    }

    [Fact]
    public async Task A_fatal_alert_or_a_cut_record_ends_the_stream_with_an_error()
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        var (server, clientNet) = await RecordPairAsync(Tls13CipherSuite.Aes128GcmSha256, secret);
        await using (server)
        await using (clientNet)
        {
            using var clientWrite = new Tls13RecordKey(Tls13CipherSuite.Aes128GcmSha256, (byte[])secret.Clone(), 0);
            var buffer = new byte[64];
            var n = clientWrite.Seal([2, 40], Tls13RecordKey.Alert, buffer); // fatal handshake_failure
            await clientNet.WriteAsync(buffer.AsMemory(0, n));
            var e = await Assert.ThrowsAsync<IOException>(() => server.ReadAsync(new byte[16]).AsTask().WaitAsync(Limit));
            Assert.Contains("alert 40", e.Message);
        }

        (server, clientNet) = await RecordPairAsync(Tls13CipherSuite.Aes128GcmSha256, secret);
        await using (server)
        await using (clientNet)
        {
            using var clientWrite = new Tls13RecordKey(Tls13CipherSuite.Aes128GcmSha256, (byte[])secret.Clone(), 0);
            var buffer = new byte[64];
            var n = clientWrite.Seal("hello"u8, Tls13RecordKey.ApplicationData, buffer);
            await clientNet.WriteAsync(buffer.AsMemory(0, n - 3));
            clientNet.Socket.Shutdown(SocketShutdown.Send);
            await Assert.ThrowsAsync<IOException>(() => server.ReadAsync(new byte[16]).AsTask().WaitAsync(Limit));
        }
    }

    /// <summary>Our record layer as the server, reading with <paramref name="clientSecret"/>; the client end is a raw socket.</summary>
    private static async Task<(Tls13RecordStream Server, NetworkStream ClientNet)> RecordPairAsync(Tls13CipherSuite suite, byte[] clientSecret)
    {
        var (clientSocket, serverSocket) = await SocketPairAsync();
        var server = new Tls13RecordStream(new NetworkStream(serverSocket, ownsSocket: true),
            new Tls13RecordKey(suite, (byte[])clientSecret.Clone(), 0), new Tls13RecordKey(suite, RandomNumberGenerator.GetBytes(suite.HashLength), 0));
        return (server, new NetworkStream(clientSocket, ownsSocket: true));
    }

    private static async Task<string> ReadTextAsync(Stream stream, int length)
    {
        var buffer = new byte[length];
        await stream.ReadExactlyAsync(buffer).AsTask().WaitAsync(Limit);
        return System.Text.Encoding.ASCII.GetString(buffer);
    }

    private static async Task<byte[]> ReadRecordAsync(Stream stream)
    {
        var header = new byte[Tls13RecordKey.HeaderLength];
        await stream.ReadExactlyAsync(header).AsTask().WaitAsync(Limit);
        var record = new byte[header.Length + (header[3] << 8 | header[4])];
        header.CopyTo(record, 0);
        await stream.ReadExactlyAsync(record.AsMemory(header.Length)).AsTask().WaitAsync(Limit);
        return record;
    }

    private static async Task<(Socket Client, Socket Server)> SocketPairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accept = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!).WaitAsync(Limit);
        return (client, await accept.WaitAsync(Limit));
    }

    /// <summary>A TLS 1.3 client and server over loopback, the server's SslStream over a <see cref="HandOverStream"/>.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private sealed class Pair : IAsyncDisposable
    {
        private readonly NetworkStream _serverNet;
        private readonly HandOverStream _handOver;
        private Tls13RecordStream? _records;

        private Pair(NetworkStream serverNet, HandOverStream handOver, SslStream server, SslStream client)
        {
            _serverNet = serverNet;
            _handOver = handOver;
            Server = server;
            Client = client;
        }

        public SslStream Server { get; private set; }
        public SslStream Client { get; }

        /// <param name="suite">The one TLS 1.3 suite the client offers; null: TLS 1.2 only.</param>
        public static async Task<Pair> ConnectAsync(ServerTls tls, TlsCipherSuite? suite)
        {
            var (clientSocket, serverSocket) = await SocketPairAsync();
            var serverNet = new NetworkStream(serverSocket, ownsSocket: true);
            var handOver = new HandOverStream(serverNet);
            var server = new SslStream(handOver, leaveInnerStreamOpen: true);
            var client = new SslStream(new NetworkStream(clientSocket, ownsSocket: true), false, (_, _, _, _) => true);
            await Task.WhenAll(
                server.AuthenticateAsServerAsync(tls.Options),
                client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = "localhost",
                    EnabledSslProtocols = suite is null ? System.Security.Authentication.SslProtocols.Tls12 : System.Security.Authentication.SslProtocols.Tls13,
                    CipherSuitesPolicy = suite is { } only ? new CipherSuitesPolicy([only]) : null,
                })).WaitAsync(Limit);
            if (suite is not null) Assert.Equal(suite, server.NegotiatedCipherSuite);
            OpenSslTrafficSecrets.Install(server);
            return new Pair(serverNet, handOver, server, client);
        }

        /// <summary>What c2s's read loop and output pump do: end SslStream's input at a record boundary, take the keys, free it.</summary>
        public async Task<Tls13RecordStream> HandOverAsync()
        {
            Assert.True(OpenSslTrafficSecrets.CanTakeOver(Server));
            _handOver.Arm();
            Assert.Equal(0, await Server.ReadAsync(Memory<byte>.Empty).AsTask().WaitAsync(Limit));
            Assert.Equal(0, await Server.ReadAsync(new byte[16]).AsTask().WaitAsync(Limit));
            Assert.True(_handOver.HandedOver);
            _records = OpenSslTrafficSecrets.Take(Server, _serverNet);
            Assert.NotNull(_records);
            await Server.DisposeAsync();
            return _records;
        }

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            if (_records is not null) await _records.DisposeAsync();
            else await Server.DisposeAsync();
            await _serverNet.DisposeAsync();
        }
    }
}
