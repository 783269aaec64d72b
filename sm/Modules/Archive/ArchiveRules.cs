using System.Xml.Linq;
using Xmpp.Common;

namespace Xmpp.Sm.Modules.Archive;

/// <summary>
/// Which 1:1 messages go into archives (XEP-0313 §7, as Prosody and ejabberd do it): chat and
/// normal messages with content a user reads (a body, or an end-to-end encrypted payload), unless
/// the sender asked for no storage (XEP-0334 &lt;no-store/&gt;, &lt;no-permanent-store/&gt;); a
/// XEP-0334 &lt;store/&gt; hint archives any chat or normal message. Errors, headlines and
/// groupchat messages are never archived here.
/// </summary>
public static class ArchiveRules
{
    private static readonly XNamespace Client = Ns.Client;
    private static readonly XNamespace Hints = ArchiveNamespaces.Hints;

    /// <summary>Encrypted payloads clients send with or without a fallback body: OMEMO (old and new), OpenPGP (XEP-0374, XEP-0027).</summary>
    private static readonly XName[] Encrypted =
    [
        XName.Get("encrypted", "eu.siacs.conversations.axolotl"),
        XName.Get("encrypted", "urn:xmpp:omemo:2"),
        XName.Get("openpgp", "urn:xmpp:openpgp:0"),
        XName.Get("x", "jabber:x:encrypted"),
    ];

    /// <summary>RFC 6121 §5.2.2: a missing or unknown type is "normal".</summary>
    public static string MessageType(string type) =>
        type is "chat" or "groupchat" or "headline" or "error" ? type : "normal";

    /// <summary>Whether a message of this type can be archived at all (decided before the stanza is parsed).</summary>
    public static bool IsArchivableType(string type) => MessageType(type) is "chat" or "normal";

    public static bool ShouldArchive(XElement message, string type)
    {
        if (!IsArchivableType(type)) return false;
        if (message.Element(Hints + "no-store") is not null || message.Element(Hints + "no-permanent-store") is not null) return false;
        if (message.Element(Hints + "store") is not null) return true;
        return message.Element(Client + "body") is not null || Encrypted.Any(name => message.Element(name) is not null);
    }
}
