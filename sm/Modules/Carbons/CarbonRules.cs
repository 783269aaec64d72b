using System.Xml.Linq;
using Xmpp.Common;

namespace Xmpp.Sm.Modules.Carbons;

/// <summary>
/// XEP-0280 §6, which messages are copied: none with &lt;private/&gt; or a XEP-0334
/// &lt;no-copy/&gt; hint, and no carbon of a carbon (a message already wrapping &lt;sent/&gt; or
/// &lt;received/&gt;); then chat messages, normal messages with a body, and normal messages
/// carrying what IM clients keep in step (receipts, chat markers, chat states, call invitations).
/// Groupchat, headline and error messages are not copied.
/// </summary>
public static class CarbonRules
{
    public const string Namespace = "urn:xmpp:carbons:2";
    public const string Forward = "urn:xmpp:forward:0";
    public const string Hints = "urn:xmpp:hints";

    private static readonly XNamespace Carbons = Namespace;
    private static readonly XNamespace Client = Ns.Client;

    /// <summary>Namespaces of payloads a user's other clients need to stay in step (XEP-0184, XEP-0333, XEP-0085, XEP-0353).</summary>
    private static readonly string[] ImPayloads =
    [
        "urn:xmpp:receipts", "urn:xmpp:chat-markers:0", "http://jabber.org/protocol/chatstates", "urn:xmpp:jingle-message:0", "urn:xmpp:jingle-message:1",
    ];

    /// <summary>Whether the type (the attribute as sent, "" when absent) can be copied at all, before the stanza is parsed.</summary>
    public static bool IsCopyableType(string type) => type is "" or "normal" or "chat";

    public static bool IsEligible(XElement message)
    {
        var type = (string?)message.Attribute("type") ?? "normal";
        if (!IsCopyableType(type)) return false;
        if (message.Element(Carbons + "private") is not null) return false;
        if (message.Element(XName.Get("no-copy", Hints)) is not null) return false;
        if (message.Element(Carbons + "sent") is not null || message.Element(Carbons + "received") is not null) return false;
        if (type == "chat") return true;
        return message.Element(Client + "body") is not null || message.Elements().Any(c => ImPayloads.Contains(c.Name.NamespaceName));
    }

    /// <summary>
    /// The carbon for one resource: &lt;message from='user' to='user/resource'&gt; wrapping
    /// &lt;sent/&gt; or &lt;received/&gt; and the XEP-0297 forwarded original.
    /// </summary>
    public static XElement Wrap(XElement original, Jid user, Jid resource, bool sent) =>
        new(Client + "message",
            new XAttribute("from", user.Bare.ToString()),
            new XAttribute("to", resource.ToString()),
            new XAttribute("type", (string?)original.Attribute("type") ?? "normal"),
            new XElement(Carbons + (sent ? "sent" : "received"),
                new XElement(XName.Get("forwarded", Forward), new XElement(original))));
}
