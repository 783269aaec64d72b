using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Xmpp.C2s.Tls.BouncyCastle;

namespace Xmpp.C2s.Tls;

/// <summary>
/// The one set of server TLS settings every STARTTLS on this frontend uses (SslStream, the
/// platform's TLS: OpenSSL on Linux). The certificate context (certificate and chain) is built
/// once, not per handshake, and every connection shares it and the OpenSSL context .NET caches
/// for it. TLS 1.2 and 1.3 (the system's defaults, SslProtocols.None); no renegotiation.
/// With C2s:Tls:Stack = BouncyCastle the handshakes are BouncyCastle's instead
/// (<see cref="BcTlsStream"/>), with the same certificate and key.
/// </summary>
public sealed class ServerTls
{
    private readonly BcServerCredentials? _bouncyCastle;

    public ServerTls(X509Certificate2 certificate, TlsStack stack = TlsStack.SslStream)
    {
        if (stack == TlsStack.BouncyCastle) _bouncyCastle = new BcServerCredentials(certificate);
        Options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(certificate, additionalCertificates: null),
            ClientCertificateRequired = false,
            // A client-initiated TLS 1.2 renegotiation is refused (it only costs the server).
            AllowRenegotiation = false,
            // Left on (the default): with resumption off .NET gives every connection its own
            // OpenSSL context instead of the shared cached one, ~12 KiB more per idle connection.
            AllowTlsResume = true,
        };
    }

    /// <summary>Shared by every handshake; never changed after construction.</summary>
    public SslServerAuthenticationOptions Options { get; }

    /// <summary>Runs the server handshake over the client's socket; returns the stream the client's bytes travel on after it.</summary>
    public async Task<Stream> AuthenticateAsync(NetworkStream network, CancellationToken ct)
    {
        if (_bouncyCastle is { } credentials) return await BcTlsStream.AcceptAsync(network, credentials, ct);
        var tls = new SslStream(network, leaveInnerStreamOpen: true);
        try
        {
            await tls.AuthenticateAsServerAsync(Options, ct);
        }
        catch
        {
            await tls.DisposeAsync();
            throw;
        }
        return tls;
    }
}
