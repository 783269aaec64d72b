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
}
