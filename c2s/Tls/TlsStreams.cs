using System.Net.Security;
using Xmpp.C2s.Tls.BouncyCastle;

namespace Xmpp.C2s.Tls;

/// <summary>What c2s asks of an established TLS stream, whichever stack made it.</summary>
public static class TlsStreams
{
    /// <summary>Sends our close_notify.</summary>
    public static Task ShutdownAsync(Stream tls) => tls switch
    {
        SslStream ssl => ssl.ShutdownAsync(),
        BcTlsStream bc => bc.ShutdownAsync(),
        _ => Task.CompletedTask,
    };

    /// <summary>The negotiated protocol, cipher suite and ALPN protocol, for the debug log.</summary>
    public static (string Protocol, string Cipher, string Alpn) Describe(Stream tls) => tls switch
    {
        SslStream ssl => (ssl.SslProtocol.ToString(), ssl.NegotiatedCipherSuite.ToString(), ssl.NegotiatedApplicationProtocol.ToString()),
        BcTlsStream bc => (bc.Protocol, bc.CipherSuite, bc.ApplicationProtocol),
        _ => ("none", "none", ""),
    };
}
