namespace Xmpp.C2s.Tls;

/// <summary>Which maintained TLS implementation serves client connections (C2s:Tls:Stack).</summary>
public enum TlsStack
{
    /// <summary>.NET's SslStream (the platform's TLS: OpenSSL on Linux). The default.</summary>
    SslStream,

    /// <summary>BouncyCastle's TLS (Org.BouncyCastle.Tls) in non-blocking mode, driven by our socket I/O.</summary>
    BouncyCastle,
}

/// <summary>The "C2s:Tls" section.</summary>
public sealed class TlsOptions
{
    /// <summary>The TLS implementation for STARTTLS (default SslStream).</summary>
    public TlsStack Stack { get; set; } = TlsStack.SslStream;
}
