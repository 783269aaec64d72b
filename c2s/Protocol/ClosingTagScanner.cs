namespace Xmpp.C2s.Protocol;

/// <summary>
/// Spots the client's closing stream tag (&lt;/stream:stream&gt;) in bytes read after the stream
/// is over, in any split across reads, without parsing (the parser may have stopped in the middle
/// of a stanza that caused a stream error). Used only while c2s waits to close the TCP connection
/// (RFC 6120 §4.4).
/// </summary>
public struct ClosingTagScanner
{
    private static ReadOnlySpan<byte> Tag => "</stream:stream>"u8;
    private int _matched;

    /// <summary>Feeds the next bytes; true once the whole tag has been seen.</summary>
    public bool Feed(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b == Tag[_matched]) _matched++;
            else _matched = b == Tag[0] ? 1 : 0;
            if (_matched == Tag.Length) return true;
        }
        return false;
    }
}
