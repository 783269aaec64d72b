using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Xmpp.Common;

namespace Xmpp.Sm.Modules.Archive;

/// <summary>
/// XEP-0359 stanza ids: the &lt;stanza-id by='user@domain' id='...'/&gt; an archive adds to a
/// message it stored, and the rule that protects it (§5): a stanza-id whose 'by' is an entity of
/// our domain can only be ours, so one arriving from a client is a forgery and is removed.
/// </summary>
public static class StanzaIds
{
    private static readonly XNamespace Sid = ArchiveNamespaces.StanzaIds;
    private static readonly byte[] SidBytes = Encoding.UTF8.GetBytes(ArchiveNamespaces.StanzaIds);

    /// <summary>Whether serialized stanza bytes can hold a stanza-id at all (so most messages are never parsed for it).</summary>
    public static bool MayContain(ReadOnlySpan<byte> stanza) => stanza.IndexOf(SidBytes) >= 0;

    /// <summary>Removes the stanza-ids of <paramref name="message"/> that claim an entity of <paramref name="domain"/>; how many.</summary>
    public static int StripClaims(XElement message, string domain)
    {
        var forged = message.Elements(Sid + "stanza-id")
            .Where(s => !Jid.TryParse((string?)s.Attribute("by"), out var by) || by.Domain == domain)
            .ToList();
        foreach (var element in forged) element.Remove();
        return forged.Count;
    }

    public static XElement Element(Jid by, string id) =>
        new(Sid + "stanza-id", new XAttribute("by", by.Bare.ToString()), new XAttribute("id", id));

    /// <summary>A new archive id: 96 random bits, URL-safe base64 (16 characters), unique and unguessable.</summary>
    public static string NewId() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)).Replace('+', '-').Replace('/', '_');
}
