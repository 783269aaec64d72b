using Org.BouncyCastle.Tls;

namespace Xmpp.C2s.Tls.BouncyCastle;

/// <summary>
/// BouncyCastle's non-blocking server protocol, with one addition through its protected members:
/// the output queue gives back its buffer once everything in it was taken (BouncyCastle keeps the
/// largest one it ever needed, e.g. the handshake's flight, for the connection's life).
/// </summary>
public sealed class BcServerProtocol : TlsServerProtocol
{
    /// <summary>Drops the output queue's buffer when it is empty; call after taking the output.</summary>
    public void ReleaseEmptyOutputBuffer()
    {
        var queue = m_outputBuffer.Buffer;
        if (queue.Available == 0) queue.Shrink();
    }
}
