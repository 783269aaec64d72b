using System.Globalization;
using System.Xml.Linq;

namespace Xmpp.Muc.Protocol;

/// <summary>XEP-0045 §7.2.14: the &lt;history/&gt; limits of a join (maxchars, maxstanzas, seconds, since), applied to the room's recent messages.</summary>
public sealed record HistoryRequest(int? MaxChars, int? MaxStanzas, int? Seconds, DateTimeOffset? Since)
{
    public static HistoryRequest Parse(XElement? history)
    {
        if (history is null) return new HistoryRequest(null, null, null, null);
        static int? Int(XElement e, string name) =>
            int.TryParse((string?)e.Attribute(name), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
        DateTimeOffset? since = DateTimeOffset.TryParse((string?)history.Attribute("since"), CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var s) ? s : null;
        return new HistoryRequest(Int(history, "maxchars"), Int(history, "maxstanzas"), Int(history, "seconds"), since);
    }

    /// <summary>The entries to send, oldest first: the newest that fit every limit (maxchars counts each stanza's bytes, as Prosody does).</summary>
    public IReadOnlyList<HistoryEntry> Select(IEnumerable<HistoryEntry> history, DateTimeOffset now)
    {
        var picked = new List<HistoryEntry>();
        var chars = 0;
        foreach (var entry in history.Reverse())
        {
            if (MaxStanzas is { } max && picked.Count >= max) break;
            if (Seconds is { } seconds && entry.Stamp < now.AddSeconds(-seconds)) break;
            if (Since is { } since && entry.Stamp <= since) break;
            if (MaxChars is { } maxChars && chars + entry.Bytes > maxChars) break;
            chars += entry.Bytes;
            picked.Add(entry);
        }
        picked.Reverse();
        return picked;
    }
}
