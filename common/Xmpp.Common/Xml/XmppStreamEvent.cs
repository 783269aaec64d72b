using System.Xml.Linq;

namespace Xmpp.Common.Xml;

/// <summary>What the stream parser found in the bytes it was given.</summary>
public abstract record XmppStreamEvent;

/// <summary>The opening &lt;stream:stream&gt; tag, with its attributes by local name (to, from, version, id, xml:lang as "lang").</summary>
public sealed record StreamOpenEvent(IReadOnlyDictionary<string, string> Attributes, string? DefaultNamespace) : XmppStreamEvent
{
    public string? Get(string name) => Attributes.TryGetValue(name, out var v) ? v : null;
}

/// <summary>One complete first-level child of the stream (a stanza, or a nonza such as &lt;starttls/&gt;).</summary>
public sealed record StanzaEvent(XElement Element, int Size) : XmppStreamEvent;

/// <summary>The closing &lt;/stream:stream&gt; tag.</summary>
public sealed record StreamCloseEvent : XmppStreamEvent
{
    public static readonly StreamCloseEvent Instance = new();
}
