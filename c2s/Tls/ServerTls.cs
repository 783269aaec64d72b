using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Xmpp.C2s.Tls;

/// <summary>
/// The one set of server TLS settings every handshake on this frontend uses (SslStream, the
/// platform's TLS: OpenSSL on Linux): STARTTLS on C2s:Port, and direct TLS (XEP-0368) on
/// C2s:DirectTlsPort, which also negotiates ALPN "xmpp-client". The certificate context
/// (certificate and chain) is built once, not per handshake, and every connection shares it and
/// the OpenSSL context .NET caches for it. TLS 1.2 and 1.3 (the system's defaults,
/// SslProtocols.None); no renegotiation.
/// </summary>
public sealed class ServerTls
{
    /// <summary>XEP-0368's ALPN protocol name for client-to-server streams.</summary>
    public static readonly SslApplicationProtocol XmppClient = new("xmpp-client");

    public ServerTls(X509Certificate2 certificate)
    {
        var context = SslStreamCertificateContext.Create(certificate, additionalCertificates: null);
        Options = Settings(context, alpn: null);
        // A client that offers ALPN without xmpp-client gets a no_application_protocol alert
        // (RFC 7301 §3.2, XEP-0368 §3): OpenSSL's ALPN selection in .NET fails the handshake when
        // the lists do not meet. A client that offers no ALPN at all is served.
        DirectOptions = Settings(context, alpn: [XmppClient]);
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

    /// <summary>STARTTLS: shared by every handshake; never changed after construction.</summary>
    public SslServerAuthenticationOptions Options { get; }

    /// <summary>Direct TLS (XEP-0368), with ALPN xmpp-client: shared by every handshake; never changed.</summary>
    public SslServerAuthenticationOptions DirectOptions { get; }

    /// <summary>tls-server-end-point's channel binding data (RFC 5929 §4) for this certificate; null when undefined for its signature algorithm.</summary>
    public byte[]? EndPointData { get; }
}
