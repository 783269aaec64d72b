namespace Xmpp.Common.Xml;

/// <summary>A stream-level protocol violation; the connection answers with this stream error and closes.</summary>
public sealed class XmppStreamException(string condition, string? text = null)
    : Exception(text ?? condition)
{
    /// <summary>An RFC 6120 §4.9.3 condition name, see <see cref="StreamErrors"/>.</summary>
    public string Condition { get; } = condition;
    public string? Text { get; } = text;
}
