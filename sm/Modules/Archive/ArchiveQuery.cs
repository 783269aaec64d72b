using System.Globalization;
using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Common.Stanzas;

namespace Xmpp.Sm.Modules.Archive;

/// <summary>
/// One XEP-0313 query, read from its &lt;query/&gt;: the data form filters (§4.1: with, start,
/// end; mam#extended: before-id, after-id, ids; flip-page) and XEP-0059 paging (max, after,
/// before; an empty &lt;before/&gt; asks for the last page).
/// </summary>
public sealed record ArchiveQuery(
    string? QueryId,
    Jid? With,
    DateTimeOffset? Start,
    DateTimeOffset? End,
    string? AfterId,
    string? BeforeId,
    IReadOnlyList<string>? Ids,
    int Max,
    string? After,
    string? Before,
    bool FlipPage)
{
    private static readonly XNamespace Mam = ArchiveNamespaces.Mam;
    private static readonly XNamespace Rsm = ArchiveNamespaces.Rsm;
    private static readonly XNamespace Data = ArchiveNamespaces.DataForms;

    /// <summary>Fields this server understands (and announces in its query form).</summary>
    public static readonly IReadOnlyList<string> Fields = ["with", "start", "end", "before-id", "after-id", "ids", "flip-page", "include-groupchat"];

    /// <summary>Paging backwards: the page ends where the archive (or the before id) ends.</summary>
    public bool Backwards => Before is not null;

    /// <summary>Reads a query; null with the stanza error condition and a text when it is not one we can answer.</summary>
    public static ArchiveQuery? Parse(XElement query, int maxPage, int maxIds, out string condition, out string? text)
    {
        condition = StanzaErrors.BadRequest;
        text = null;
        if ((string?)query.Attribute("node") is { Length: > 0 })
        {
            condition = StanzaErrors.ItemNotFound;
            text = "this archive has no nodes";
            return null;
        }

        Jid? with = null;
        DateTimeOffset? start = null, end = null;
        string? afterId = null, beforeId = null;
        List<string>? ids = null;
        var flip = false;
        if (query.Element(Data + "x") is { } form)
        {
            foreach (var field in form.Elements(Data + "field"))
            {
                var name = (string?)field.Attribute("var") ?? "";
                var values = field.Elements(Data + "value").Select(v => v.Value.Trim()).ToList();
                var value = values.FirstOrDefault() ?? "";
                switch (name)
                {
                    case "FORM_TYPE":
                        if (value != ArchiveNamespaces.Mam) { text = $"FORM_TYPE must be {ArchiveNamespaces.Mam}"; return null; }
                        break;
                    case "with":
                        if (value.Length == 0) break;
                        if (!Jid.TryParse(value, out with)) { text = "'with' is not a JID"; return null; }
                        break;
                    case "start":
                        if (value.Length > 0 && (start = Time(value)) is null) { text = "'start' is not a XEP-0082 date and time"; return null; }
                        break;
                    case "end":
                        if (value.Length > 0 && (end = Time(value)) is null) { text = "'end' is not a XEP-0082 date and time"; return null; }
                        break;
                    case "after-id":
                        afterId = value.Length > 0 ? value : null;
                        break;
                    case "before-id":
                        beforeId = value.Length > 0 ? value : null;
                        break;
                    case "ids":
                        ids = values.Where(v => v.Length > 0).Distinct().ToList();
                        if (ids.Count > maxIds) { condition = StanzaErrors.PolicyViolation; text = $"at most {maxIds} ids per query"; return null; }
                        break;
                    case "flip-page":
                        flip = value is "1" or "true";
                        break;
                    case "include-groupchat":
                        break; // this archive holds no groupchat messages either way
                    default:
                        text = $"unknown field '{name}'";
                        return null;
                }
            }
        }

        var max = maxPage;
        string? after = null, before = null;
        if (query.Element(Rsm + "set") is { } set)
        {
            if (set.Element(Rsm + "max") is { } maxElement)
            {
                if (!int.TryParse(maxElement.Value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var asked)) { text = "<max/> must be a number"; return null; }
                max = Math.Min(asked, maxPage);
            }
            if (set.Element(Rsm + "after") is { } afterElement) after = afterElement.Value.Trim();
            if (set.Element(Rsm + "before") is { } beforeElement) before = beforeElement.Value.Trim();
            if (after is { Length: 0 }) { text = "<after/> needs an id"; return null; }
            if (after is not null && before is not null) { text = "<after/> and <before/> together"; return null; }
            if (set.Element(Rsm + "index") is not null) { condition = StanzaErrors.FeatureNotImplemented; text = "paging by <index/> is not supported"; return null; }
        }
        return new ArchiveQuery((string?)query.Attribute("queryid"), with, start, end, afterId, beforeId, ids, max, after, before, flip);
    }

    /// <summary>A XEP-0082 DateTime (time zone required: 'Z' or an offset).</summary>
    private static DateTimeOffset? Time(string text)
    {
        if (!(text.EndsWith('Z') || text.LastIndexOfAny(['+', '-']) > 10)) return null;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var time) ? time : null;
    }

    /// <summary>The query form (§4.1.1), answered to a query get.</summary>
    public static XElement Form() =>
        new(Mam + "query",
            new XElement(Data + "x", new XAttribute("type", "form"),
                new XElement(Data + "field", new XAttribute("var", "FORM_TYPE"), new XAttribute("type", "hidden"),
                    new XElement(Data + "value", ArchiveNamespaces.Mam)),
                new XElement(Data + "field", new XAttribute("var", "with"), new XAttribute("type", "jid-single")),
                new XElement(Data + "field", new XAttribute("var", "start"), new XAttribute("type", "text-single")),
                new XElement(Data + "field", new XAttribute("var", "end"), new XAttribute("type", "text-single")),
                new XElement(Data + "field", new XAttribute("var", "before-id"), new XAttribute("type", "text-single")),
                new XElement(Data + "field", new XAttribute("var", "after-id"), new XAttribute("type", "text-single")),
                new XElement(Data + "field", new XAttribute("var", "ids"), new XAttribute("type", "text-multi")),
                new XElement(Data + "field", new XAttribute("var", "flip-page"), new XAttribute("type", "boolean"))));
}
