using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Xmpp.C2s.Tls.BouncyCastle;

namespace Xmpp.C2s.Tls;

/// <summary>
/// The one set of server TLS settings every handshake on this frontend uses: STARTTLS on
/// C2s:Port, and direct TLS (XEP-0368) on C2s:DirectTlsPort, which also negotiates ALPN
/// "xmpp-client" (a client that offers ALPN without it gets a no_application_protocol alert,
/// RFC 7301 §3.2; a client that offers no ALPN is served). The handshakes are those of
/// C2s:Tls:Stack: BouncyCastle's (<see cref="BcTlsStream"/>) or SslStream's (the platform's TLS:
/// OpenSSL on Linux), with the same certificate and key. The certificate state (certificate and
/// chain) is built once, not per handshake, and every connection shares it. TLS 1.2 and 1.3;
/// no renegotiation.
/// </summary>
public sealed class ServerTls
{
    /// <summary>XEP-0368's ALPN protocol name for client-to-server streams.</summary>
    public static readonly SslApplicationProtocol XmppClient = new("xmpp-client");

    private readonly BcServerCredentials? _bouncyCastle;

    /// <param name="certificate">The server certificate, with its private key.</param>
    /// <param name="stack">The TLS implementation.</param>
    /// <param name="chain">The intermediates sent after the certificate, its issuer first (<see cref="ServerCertificate.LoadWithChain"/>).</param>
    public ServerTls(X509Certificate2 certificate, TlsStack stack = TlsStack.BouncyCastle, X509Certificate2Collection? chain = null)
    {
        Stack = stack;
        if (stack == TlsStack.BouncyCastle)
        {
            _bouncyCastle = new BcServerCredentials(certificate, chain);
        }
        else
        {
            // the chain: the given intermediates, else what the system's stores hold
            var context = SslStreamCertificateContext.Create(certificate, chain is { Count: > 0 } ? chain : null);
            Options = Settings(context, alpn: null);
            // OpenSSL's ALPN selection in .NET fails the handshake when the lists do not meet.
            DirectOptions = Settings(context, alpn: [XmppClient]);
        }
        EndPointData = TlsChannelBinding.EndPointData(certificate);
    }

    private static SslServerAuthenticationOptions Settings(SslStreamCertificateContext context, List<SslApplicationProtocol>? alpn) => new()
    {
        ServerCertificateContext = context,
        ClientCertificateRequired = false,
        // A client-initiated TLS 1.2 renegotiation is refused (it only costs the server).
        AllowRenegotiation = false,
        // Left on (the default): with resumption off .NET gives every connection its own
        // OpenSSL context instead of the shared cached one, ~12 KiB more per idle connection.
        AllowTlsResume = true,
        ApplicationProtocols = alpn,
    };

    /// <summary>The TLS implementation these handshakes use (C2s:Tls:Stack).</summary>
    public TlsStack Stack { get; }

    /// <summary>SslStream's STARTTLS settings (null with BouncyCastle): shared by every handshake; never changed after construction.</summary>
    public SslServerAuthenticationOptions? Options { get; }

    /// <summary>SslStream's direct TLS (XEP-0368) settings, with ALPN xmpp-client (null with BouncyCastle).</summary>
    public SslServerAuthenticationOptions? DirectOptions { get; }

    /// <summary>tls-server-end-point's channel binding data (RFC 5929 §4) for this certificate; null when undefined for its signature algorithm.</summary>
    public byte[]? EndPointData { get; }

    /// <summary>
    /// Runs the server handshake over the client's socket; returns the stream the client's bytes
    /// travel on after it. <paramref name="directTls"/>: XEP-0368's port, with ALPN xmpp-client.
    /// </summary>
    public async Task<Stream> AuthenticateAsync(NetworkStream network, bool directTls, CancellationToken ct)
    {
        if (_bouncyCastle is { } credentials) return await BcTlsStream.AcceptAsync(network, credentials, directTls, ct);
        var tls = new SslStream(network, leaveInnerStreamOpen: true);
        try
        {
            await tls.AuthenticateAsServerAsync(directTls ? DirectOptions! : Options!, ct);
        }
        catch
        {
            await tls.DisposeAsync();
            throw;
        }
        return tls;
    }
}
