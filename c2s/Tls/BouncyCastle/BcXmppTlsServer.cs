using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace Xmpp.C2s.Tls.BouncyCastle;

/// <summary>
/// BouncyCastle's server side of one client's TLS: TLS 1.2 and 1.3, AEAD cipher suites with
/// ECDHE only (for the key the certificate has: ECDSA or RSA), no renegotiation (BouncyCastle
/// refuses it), no session tickets or resumption, no client certificates. On the direct TLS port
/// (XEP-0368) ALPN "xmpp-client" is negotiated: a client that offers ALPN without it gets a
/// no_application_protocol alert (RFC 7301 §3.2, BouncyCastle's <see cref="AbstractTlsServer"/>
/// sends it when the lists do not meet); a client that offers no ALPN is served. SNI is read and
/// not acted on: there is one certificate (as with SslStream).
/// </summary>
public sealed class BcXmppTlsServer(BcServerCredentials credentials, bool directTls = false) : DefaultTlsServer(credentials.Crypto)
{
    private static readonly ProtocolName XmppClient = ProtocolName.AsUtf8Encoding("xmpp-client");
    private static readonly IList<ProtocolName> DirectTlsProtocols = [XmppClient];

    private static readonly int[] EcdsaSuites =
    [
        CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384, CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ];

    private static readonly int[] RsaSuites =
    [
        CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384, CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ];

    /// <summary>Signature schemes we sign with, best first (RFC 8446 §4.2.3).</summary>
    private static readonly SignatureAndHashAlgorithm[] EcdsaSchemes =
    [
        SignatureAndHashAlgorithm.GetInstance(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa),
    ];

    private static readonly SignatureAndHashAlgorithm[] RsaSchemes =
    [
        SignatureAndHashAlgorithm.rsa_pss_rsae_sha256,
        SignatureAndHashAlgorithm.GetInstance(HashAlgorithm.sha256, SignatureAlgorithm.rsa),
    ];

    /// <summary>The negotiated protocol version, once the handshake is complete (for the debug log).</summary>
    public string NegotiatedVersion { get; private set; } = "";

    /// <summary>The negotiated cipher suite's code, once the handshake is complete (for the debug log).</summary>
    public string NegotiatedCipherSuite { get; private set; } = "";

    /// <summary>The negotiated ALPN protocol name (xmpp-client on the direct TLS port, when the client offered ALPN); empty when none was.</summary>
    public string NegotiatedApplicationProtocol { get; private set; } = "";

    /// <summary>True on TLS 1.2, false on TLS 1.3 (valid once the handshake is complete).</summary>
    public bool IsTls12 { get; private set; }

    protected override IList<ProtocolName>? GetProtocolNames() => directTls ? DirectTlsProtocols : null;

    /// <summary>
    /// The connection's channel binding data of <paramref name="type"/> (<see cref="ChannelBinding"/>),
    /// or null when it is undefined here: tls-unique only on TLS 1.2 (RFC 5929 §3, RFC 9266 §1);
    /// tls-exporter (RFC 9266) on TLS 1.3, and on TLS 1.2 only with the extended master secret
    /// (RFC 7627 §5.4, RFC 9266 §3): 32 bytes kept from the end of the handshake. The caller
    /// holds the protocol's lock.
    /// </summary>
    public byte[]? ExportChannelBinding(int type)
    {
        if (m_context is not { } context || context.SecurityParameters is not { } parameters) return null;
        var v13 = TlsUtilities.IsTlsV13(parameters.NegotiatedVersion);
        if (type == ChannelBinding.tls_unique && v13) return null;
        if (type == ChannelBinding.tls_exporter) return _exporterBinding;
        try
        {
            return context.ExportChannelBinding(type);
        }
        catch (Exception e) when (e is InvalidOperationException or TlsFatalAlert or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>tls-exporter's data, exported when the handshake completed (BouncyCastle's exporter secret is gone after it); null when undefined.</summary>
    private byte[]? _exporterBinding;

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        var parameters = m_context.SecurityParameters;
        if (TlsUtilities.IsTlsV13(parameters.NegotiatedVersion) || parameters.IsExtendedMasterSecret)
        {
            try
            {
                _exporterBinding = m_context.ExportChannelBinding(ChannelBinding.tls_exporter);
            }
            catch (Exception e) when (e is InvalidOperationException or TlsFatalAlert or ArgumentException)
            {
                _exporterBinding = null;
            }
        }
        IsTls12 = !TlsUtilities.IsTlsV13(parameters.NegotiatedVersion);
        if (parameters.ApplicationProtocol is { } alpn) NegotiatedApplicationProtocol = alpn.Equals(XmppClient) ? "xmpp-client" : alpn.GetUtf8Decoding();
        NegotiatedVersion = parameters.NegotiatedVersion?.ToString() ?? "";
        NegotiatedCipherSuite = $"0x{parameters.CipherSuite:X4}";
        // What the connection keeps for its life should be its cipher state only: the client's
        // offer is not needed after the handshake.
        m_offeredCipherSuites = null;
        m_clientExtensions = null;
        m_clientProtocolNames = null;
        m_statusRequestV2 = null;
        m_trustedCAKeys = null;
        m_certificateStatusRequest = null;
    }

    protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.TLSv13.DownTo(ProtocolVersion.TLSv12);

    protected override int[] GetSupportedCipherSuites() =>
        TlsUtilities.GetSupportedCipherSuites(Crypto, credentials.IsEcdsa ? EcdsaSuites : RsaSuites);

    public override TlsCredentials GetCredentials()
    {
        // TLS 1.3 has no key exchange in the cipher suite: DefaultTlsServer would refuse it.
        if (TlsUtilities.IsTlsV13(m_context)) return Signer();
        return base.GetCredentials();
    }

    protected override TlsCredentialedSigner GetECDsaSignerCredentials() =>
        credentials.IsEcdsa ? Signer() : throw new TlsFatalAlert(AlertDescription.internal_error);

    protected override TlsCredentialedSigner GetRsaSignerCredentials() =>
        credentials.IsEcdsa ? throw new TlsFatalAlert(AlertDescription.internal_error) : Signer();

    private TlsCredentialedSigner Signer()
    {
        var v13 = TlsUtilities.IsTlsV13(m_context);
        var offered = m_context.SecurityParameters.ClientSigAlgs;
        var schemes = credentials.IsEcdsa ? EcdsaSchemes : RsaSchemes;
        var scheme = schemes.FirstOrDefault(s => offered is null || offered.Contains(s))
                     ?? throw new TlsFatalAlert(AlertDescription.handshake_failure, "no signature scheme in common");
        if (v13 && scheme.Signature == SignatureAlgorithm.rsa)
            throw new TlsFatalAlert(AlertDescription.handshake_failure, "TLS 1.3 needs RSA-PSS");
        return new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(m_context), credentials.Crypto,
            credentials.PrivateKey, v13 ? credentials.Chain13 : credentials.Chain12, scheme);
    }
}
