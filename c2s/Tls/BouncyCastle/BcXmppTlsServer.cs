using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace Xmpp.C2s.Tls.BouncyCastle;

/// <summary>
/// BouncyCastle's server side of one client's TLS: TLS 1.2 and 1.3, AEAD cipher suites with
/// ECDHE only (for the key the certificate has: ECDSA or RSA), no renegotiation (BouncyCastle
/// refuses it), no session tickets or resumption, no client certificates.
/// </summary>
public sealed class BcXmppTlsServer(BcServerCredentials credentials) : DefaultTlsServer(credentials.Crypto)
{
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

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        var parameters = m_context.SecurityParameters;
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
