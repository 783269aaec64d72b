namespace Xmpp.C2s.Tls;

/// <summary>Which maintained TLS implementation serves client connections (C2s:Tls:Stack).</summary>
public enum TlsStack
{
    /// <summary>.NET's SslStream (the platform's TLS: OpenSSL on Linux): TLS resumption, OpenSSL's own code; ~14 KiB more per idle connection.</summary>
    SslStream,

    /// <summary>BouncyCastle's TLS (Org.BouncyCastle.Tls) in non-blocking mode, driven by our socket I/O. The default (less memory per idle connection, docs/BENCHMARKS.md).</summary>
    BouncyCastle,
}

/// <summary>The "C2s:Tls" section.</summary>
public sealed class TlsOptions
{
    /// <summary>The TLS implementation for STARTTLS and direct TLS (default BouncyCastle).</summary>
    public TlsStack Stack { get; set; } = TlsStack.BouncyCastle;
}
