using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Xmpp.Common.Pki;

namespace Xmpp.Common.Link;

/// <summary>
/// The client side of a mutually authenticated router link: this component's certificate and a
/// check that the router's certificate was issued by the deployment CA for server use and names
/// the host dialled (the name check is .NET's; the chain is built against the CA alone).
/// </summary>
public sealed class RouterLinkTls : IDisposable
{
    private readonly CaTrust _trust;

    public X509Certificate2 ClientCertificate { get; }

    /// <summary>Why the last rejected router certificate was rejected (for error messages).</summary>
    public string? LastRejection { get; private set; }

    public RouterLinkTls(X509Certificate2 clientCertificate, X509Certificate2 ca)
    {
        ClientCertificate = clientCertificate;
        _trust = new CaTrust(ca);
    }

    /// <summary>Loads the files named by <paramref name="options"/>; throws with a message naming the missing setting.</summary>
    public static RouterLinkTls FromOptions(RouterLinkOptions options)
    {
        options.ThrowIfIncomplete();
        return new RouterLinkTls(PemFiles.LoadWithKey(options.Certificate!, options.CertificateKey), PemFiles.LoadCertificate(options.CaCertificate!));
    }

    public SslClientAuthenticationOptions ClientOptions() => new()
    {
        ClientCertificates = new X509CertificateCollection { ClientCertificate },
        RemoteCertificateValidationCallback = Validate,
    };

    /// <summary>A handler for Grpc.Net.Client with this link's TLS settings.</summary>
    public SocketsHttpHandler Handler() => new() { SslOptions = ClientOptions() };

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        // Chain errors are expected (the system store does not know our CA); the CA check replaces them.
        var other = errors & ~SslPolicyErrors.RemoteCertificateChainErrors;
        var reason = other != SslPolicyErrors.None ? $"router certificate rejected: {other}" : _trust.Check(certificate, DeploymentCa.ServerAuthOid);
        LastRejection = reason;
        return reason is null;
    }

    public void Dispose() => ClientCertificate.Dispose();
}
