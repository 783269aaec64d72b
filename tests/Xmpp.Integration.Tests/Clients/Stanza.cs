using System.Xml.Linq;
using Xmpp.Common;

namespace Xmpp.Integration.Tests.Clients;

/// <summary>Small readers for received stanzas, so that tests can say what they look for.</summary>
public static class Stanza
{
    public static string? Attr(this XElement e, string name) => (string?)e.Attribute(name);

    public static bool Is(this XElement e, string localName) => e.Name.LocalName == localName;

    public static bool IsMessage(this XElement e) => e.Is("message");
    public static bool IsIq(this XElement e) => e.Is("iq");
    public static bool IsPresence(this XElement e) => e.Is("presence");

    /// <summary>The first child with this name in namespace <paramref name="ns"/>.</summary>
    public static XElement? Child(this XElement e, string ns, string localName) => e.Element(XName.Get(localName, ns));

    /// <summary>The text of &lt;body/&gt;, whatever namespace the parser gave it.</summary>
    public static string? Body(this XElement e) => e.Elements().FirstOrDefault(c => c.Name.LocalName == "body")?.Value;

    /// <summary>The defined condition of a stanza error (e.g. "service-unavailable"), or null.</summary>
    public static string? ErrorCondition(this XElement e) =>
        e.Elements().FirstOrDefault(c => c.Name.LocalName == "error")?
            .Elements().FirstOrDefault(c => c.Name.NamespaceName == Ns.Stanzas && c.Name.LocalName != "text")?.Name.LocalName;

    /// <summary>The condition of a &lt;stream:error/&gt; (e.g. "conflict").</summary>
    public static string? StreamErrorCondition(this XElement e) =>
        e.Elements().FirstOrDefault(c => c.Name.NamespaceName == Ns.Streams && c.Name.LocalName != "text")?.Name.LocalName;

    /// <summary>The &lt;delay xmlns='urn:xmpp:delay'/&gt; stamp, if any.</summary>
    public static DateTimeOffset? DelayStamp(this XElement e) =>
        e.Child(Ns.Delay, "delay")?.Attr("stamp") is { } stamp && DateTimeOffset.TryParse(stamp, out var when) ? when : null;

    /// <summary>The mechanisms a &lt;stream:features/&gt; offers (empty when it offers no SASL).</summary>
    public static IReadOnlyList<string> Mechanisms(this XElement features) =>
        features.Child(Ns.Sasl, "mechanisms")?.Elements().Where(m => m.Name.LocalName == "mechanism").Select(m => m.Value.Trim()).ToArray() ?? [];

    /// <summary>The bare part of a JID string.</summary>
    public static string BareOf(string jid) => jid.Split('/', 2)[0];

    public static string Text(this XElement e) => e.ToString(SaveOptions.DisableFormatting);
}
