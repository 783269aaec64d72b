using System.IO.Pipes;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Xmpp.C2s.Tls;

/// <summary>
/// The one set of server TLS settings every STARTTLS on this frontend uses: the certificate context
/// (certificate and chain) is built once, not per handshake, and every connection shares it and the
/// OpenSSL context .NET caches for it.
/// </summary>
public sealed class ServerTls
{
    public ServerTls(X509Certificate2 certificate, C2sOptions options)
    {
        Options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(certificate, additionalCertificates: null),
            ClientCertificateRequired = false,
            // Left on (the default): with resumption off .NET gives every connection its own
            // OpenSSL context instead of the shared cached one, ~12 KiB more per idle connection.
            AllowTlsResume = true,
        };
        ReleaseIdleBuffers = options.TlsReleaseIdleBuffers;
        TakeOverRecords = options.TlsTakeOverRecords && LibSsl.Unavailable is null;
    }

    /// <summary>Shared by every handshake; never changed after construction.</summary>
    public SslServerAuthenticationOptions Options { get; }

    /// <summary>Whether an established connection's OpenSSL record buffers are freed while idle.</summary>
    public bool ReleaseIdleBuffers { get; }

    /// <summary>Whether established TLS 1.3 connections move from OpenSSL to our record layer (<see cref="Tls13RecordStream"/>).</summary>
    public bool TakeOverRecords { get; }

    /// <summary>
    /// One TLS handshake with itself over an in-process pipe before any client is accepted, so
    /// .NET's shared OpenSSL context exists and carries <see cref="OpenSslTrafficSecrets"/>'
    /// callbacks before the first client's handshake begins. Without it, every client whose
    /// handshake began before the first one completed (a reconnect storm after a restart) would
    /// stay on OpenSSL's record layer. A failure only costs that, and is logged.
    /// </summary>
    public async Task WarmUpAsync(ILogger logger, CancellationToken ct)
    {
        if (!TakeOverRecords) return;
        var name = "xmpp-c2s-tls-" + Guid.NewGuid().ToString("N");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            await using var serverPipe = new NamedPipeServerStream(name, PipeDirection.InOut, 1, PipeTransmissionMode.Byte, PipeOptions.Asynchronous);
            await using var clientPipe = new NamedPipeClientStream(".", name, PipeDirection.InOut, PipeOptions.Asynchronous);
            await Task.WhenAll(serverPipe.WaitForConnectionAsync(timeout.Token), clientPipe.ConnectAsync(timeout.Token));
            await using var server = new SslStream(serverPipe);
            // Our own certificate, over a pipe inside this process: nothing to verify.
            await using var client = new SslStream(clientPipe, false, static (_, _, _, _) => true);
            await Task.WhenAll(
                server.AuthenticateAsServerAsync(Options, timeout.Token),
                client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }, timeout.Token));
            OpenSslTrafficSecrets.Install(server);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            logger.LogWarning("TLS warm-up handshake failed ({Error}): clients that connect before the first handshake completes stay on OpenSSL's record layer", e.Message);
        }
    }
}
