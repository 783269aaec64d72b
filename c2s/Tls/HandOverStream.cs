namespace Xmpp.C2s.Tls;

/// <summary>
/// The transport under an <see cref="System.Net.Security.SslStream"/> whose record protection c2s
/// will take over. It passes bytes through and follows the TLS record framing of what it hands up.
/// Once <see cref="Arm"/>ed, the next time the SslStream asks for more bytes while everything it
/// was given ends on a record boundary (so OpenSSL has processed every record the client sent and
/// the SslStream buffers nothing), it answers end of stream instead of reading the socket and
/// reports <see cref="HandedOver"/>: from there the socket's bytes belong to the new record layer.
/// </summary>
internal sealed class HandOverStream(Stream inner) : LayeredStream(inner)
{
    private int _headerSeen;                 // bytes of the current record header seen (0-5)
    private int _length;                     // its length field, as far as seen
    private int _bodyLeft;                   // bytes of the current record body still to come

    public bool HandedOver { get; private set; }

    /// <summary>Ends the SslStream's input at the next record boundary it reads at.</summary>
    public void Arm() => Armed = true;

    public bool Armed { get; private set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (HandedOver || (Armed && _headerSeen == 0 && _bodyLeft == 0))
        {
            HandedOver = true;
            return 0;
        }
        var read = await Inner.ReadAsync(buffer, cancellationToken);
        Follow(buffer.Span[..read]);
        return read;
    }

    private void Follow(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            if (_bodyLeft > 0)
            {
                var n = Math.Min(_bodyLeft, bytes.Length);
                _bodyLeft -= n;
                bytes = bytes[n..];
                continue;
            }
            // Header: type (1), legacy version (2), length (2).
            if (_headerSeen >= 3) _length = _length << 8 | bytes[0];
            bytes = bytes[1..];
            if (++_headerSeen < 5) continue;
            _headerSeen = 0;
            _bodyLeft = _length;
            _length = 0;
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        Inner.WriteAsync(buffer, cancellationToken);
}
