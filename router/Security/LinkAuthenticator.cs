using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Xmpp.Common.Pki;
using Xmpp.Router.Telemetry;

namespace Xmpp.Router.Security;

/// <summary>
/// The router's side of mutual TLS: its server certificate, and the check of every connecting
/// component's client certificate against the deployment CA (custom root, never the system
/// store). A connection without a certificate, or with one from elsewhere, fails its TLS
/// handshake; the refusal is logged with the peer and counted.
/// </summary>
public sealed class LinkAuthenticator
{
    private readonly CaTrust _trust;
    private readonly SslStreamCertificateContext _server;
    private readonly ILogger _logger;

    private LinkAuthenticator(X509Certificate2 serverCertificate, X509Certificate2 ca, ILogger logger)
    {
        _trust = new CaTrust(ca);
        _server = SslStreamCertificateContext.Create(serverCertificate, additionalCertificates: null, offline: true);
        _logger = logger;
    }

    /// <summary>Loads the files named by the options; throws with a message naming a missing setting (the router then refuses to start).</summary>
    public static LinkAuthenticator FromOptions(RouterOptions options, ILogger logger)
    {
        var missing = new List<string>();
        if (string.IsNullOrEmpty(options.ServerCertificate)) missing.Add("Router:ServerCertificate");
        if (string.IsNullOrEmpty(options.CaCertificate)) missing.Add("Router:CaCertificate");
        if (missing.Count > 0)
            throw new InvalidOperationException(
                $"the router needs {string.Join(" and ", missing)} (PEM files from `xmppctl pki init`; tools/run-local.sh and docker-compose create them): " +
                "every component link is TLS with a client certificate from the deployment CA");
        return new LinkAuthenticator(PemFiles.LoadWithKey(options.ServerCertificate!, options.ServerCertificateKey),
            PemFiles.LoadCertificate(options.CaCertificate!), logger);
    }

    /// <summary>TLS settings for one incoming connection: client certificate required and checked against the CA.</summary>
    public SslServerAuthenticationOptions ServerOptions(EndPoint? peer) => new()
    {
        ServerCertificateContext = _server,
        ClientCertificateRequired = true,
        ApplicationProtocols = [SslApplicationProtocol.Http2],
        EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls13 | System.Security.Authentication.SslProtocols.Tls12,
        RemoteCertificateValidationCallback = (_, certificate, _, _) => Accept(certificate, peer),
    };

    private bool Accept(X509Certificate? certificate, EndPoint? peer)
    {
        var refusal = _trust.Check(certificate, DeploymentCa.ClientAuthOid);
        if (refusal is null && certificate is X509Certificate2 leaf && ComponentIdentity.FromCertificate(leaf) is null)
            refusal = "certificate names no component role (subject OU c2s, sm, admin or component and CN role/name)";
        if (refusal is null) return true;
        _logger.LogWarning("TLS connection from {Peer} refused: {Reason}", peer, refusal);
        RouterTelemetry.Refused(RouterTelemetry.RefusalCertificate);
        return false;
    }
}
