using System.Buffers;

namespace Xmpp.Common.Xml;

/// <summary>
/// Incremental parser for an XMPP stream: fed whatever bytes arrived, it yields the stream
/// header, each complete first-level element, and the stream close, and leaves the rest.
/// Accepts only RFC 6120's restricted XML. PLACEHOLDER: being implemented.
/// </summary>
public sealed class XmppStreamParser(XmppParserOptions options)
{
    public XmppParserOptions Options { get; } = options;

    /// <summary>
    /// Tries to read one event from <paramref name="buffer"/>. On success the buffer is sliced
    /// past the bytes consumed. Returns false when more bytes are needed; the caller then keeps
    /// the (unconsumed) buffer and calls again with more. Throws <see cref="XmppStreamException"/>
    /// on a protocol violation.
    /// </summary>
    public bool TryRead(ref ReadOnlySequence<byte> buffer, out XmppStreamEvent? ev)
    {
        throw new NotImplementedException();
    }

    /// <summary>Forgets all stream state: used after STARTTLS and SASL success, when the client opens a new stream.</summary>
    public void Reset()
    {
    }
}
