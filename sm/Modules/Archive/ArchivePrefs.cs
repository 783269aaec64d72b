using System.Xml.Linq;
using Xmpp.Common;

namespace Xmpp.Sm.Modules.Archive;

/// <summary>
/// An account's archiving preferences (XEP-0313 §6.1): a default ("always", "never", "roster")
/// and bare JIDs always or never archived, whatever the default. Never wins over always.
/// </summary>
public sealed record ArchivePrefs(string Default, IReadOnlyList<string> AlwaysJids, IReadOnlyList<string> NeverJids)
{
    public const string Always = "always";
    public const string Never = "never";
    public const string Roster = "roster";

    private static readonly XNamespace Mam = ArchiveNamespaces.Mam;

    public static bool IsMode(string? mode) => mode is Always or Never or Roster;

    /// <summary>Whether a message with <paramref name="peer"/> (any JID; its bare JID counts) is archived.</summary>
    public bool Archives(Jid peer, bool peerInRoster)
    {
        var bare = peer.Bare.ToString();
        if (NeverJids.Contains(bare)) return false;
        if (AlwaysJids.Contains(bare)) return true;
        return Default switch
        {
            Always => true,
            Roster => peerInRoster,
            _ => false,
        };
    }

    public XElement ToElement() => new(Mam + "prefs", new XAttribute("default", Default),
        new XElement(Mam + "always", AlwaysJids.Select(j => new XElement(Mam + "jid", j))),
        new XElement(Mam + "never", NeverJids.Select(j => new XElement(Mam + "jid", j))));

    /// <summary>Reads a &lt;prefs/&gt; set; null (and why) when it is not valid: an unknown default or a malformed JID.</summary>
    public static ArchivePrefs? Parse(XElement prefs, out string? error)
    {
        error = null;
        var mode = (string?)prefs.Attribute("default");
        if (!IsMode(mode))
        {
            error = "default must be always, never or roster";
            return null;
        }
        var always = Jids(prefs.Element(Mam + "always"), ref error);
        var never = Jids(prefs.Element(Mam + "never"), ref error);
        if (error is not null) return null;
        return new ArchivePrefs(mode!, always.Except(never).ToArray(), never);
    }

    private static List<string> Jids(XElement? list, ref string? error)
    {
        var jids = new List<string>();
        if (list is null) return jids;
        foreach (var element in list.Elements(Mam + "jid"))
        {
            if (!Jid.TryParse(element.Value.Trim(), out var jid))
            {
                error = $"'{element.Value}' is not a JID";
                continue;
            }
            var bare = jid.Bare.ToString();
            if (!jids.Contains(bare)) jids.Add(bare);
        }
        return jids;
    }
}
