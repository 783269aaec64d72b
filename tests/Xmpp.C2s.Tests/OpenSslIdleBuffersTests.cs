using System.IO.Pipes;
using System.Net.Security;
using Microsoft.Extensions.Logging.Abstractions;
using Xmpp.C2s.Tls;

namespace Xmpp.C2s.Tests;

/// <summary>
/// SSL_MODE_RELEASE_BUFFERS reaches the connection's SSL* through SslStream's private state: this
/// notices when a runtime update moves it (the server would then only log a warning and keep the
/// buffers: ~12 KiB more per idle TLS connection).
/// </summary>
public sealed class OpenSslIdleBuffersTests
{
    [Fact]
    public async Task The_mode_is_set_on_an_authenticated_server_stream_on_linux()
    {
        if (!OperatingSystem.IsLinux()) return;
        Assert.Null(OpenSslIdleBuffers.Unavailable);

        using var certificate = ServerCertificate.CreateSelfSigned("localhost");
        var tls = new ServerTls(certificate, new C2sOptions());
        var pipeName = "xmpp-c2s-test-" + Guid.NewGuid().ToString("N");
        await using var serverPipe = new NamedPipeServerStream(pipeName, PipeDirection.InOut, 1, PipeTransmissionMode.Byte, PipeOptions.Asynchronous);
        await using var clientPipe = new NamedPipeClientStream(".", pipeName, PipeDirection.InOut, PipeOptions.Asynchronous);
        await Task.WhenAll(serverPipe.WaitForConnectionAsync(), clientPipe.ConnectAsync());

        await using var server = new SslStream(serverPipe);
        await using var client = new SslStream(clientPipe, false, (_, _, _, _) => true);
        await Task.WhenAll(
            server.AuthenticateAsServerAsync(tls.Options),
            client.AuthenticateAsClientAsync("localhost"));

        var before = OpenSslIdleBuffers.BioBufferSizes(server);
        Assert.True(OpenSslIdleBuffers.TryEnable(server, NullLogger.Instance));
        var after = OpenSslIdleBuffers.BioBufferSizes(server);

        // The handshake left its largest flight's worth in the write BIO; afterwards neither holds a buffer.
        Assert.NotNull(before);
        Assert.True(before.Value.Write > 500, $"write BIO buffer after the handshake: {before.Value.Write} bytes (read: {before.Value.Read})");
        Assert.Equal((0L, 0L), after);

        // The stream still works both ways with the mode on (buffers freed and allocated again).
        await client.WriteAsync("ping"u8.ToArray());
        var buffer = new byte[4];
        await server.ReadExactlyAsync(buffer);
        Assert.Equal("ping"u8.ToArray(), buffer);
        await server.WriteAsync("pong"u8.ToArray());
        await client.ReadExactlyAsync(buffer);
        Assert.Equal("pong"u8.ToArray(), buffer);
        var used = OpenSslIdleBuffers.BioBufferSizes(server)!.Value;
        Assert.InRange(used.Write, 1, 200); // grown again only as far as one small record needed
    }
}
