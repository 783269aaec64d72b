using System.Globalization;
using System.Xml.Linq;

namespace Xmpp.C2s.Sasl;

/// <summary>
/// What a SASL2 &lt;authenticate/&gt; says about XEP-0484 FAST: &lt;fast/&gt; (the client
/// authenticates with a token; 'invalidate', 'count') and &lt;request-token mechanism='...'/&gt;.
/// </summary>
public sealed record FastInline(bool UsesToken, bool Invalidate, long Count, string? RequestToken)
{
    public static readonly FastInline None = new(false, false, 0, null);

    private static readonly XName FastName = XName.Get("fast", FastXml.Namespace);
    private static readonly XName RequestTokenName = XName.Get("request-token", FastXml.Namespace);

    /// <summary>The FAST elements among the other children of &lt;authenticate/&gt;; null with <paramref name="error"/> when malformed.</summary>
    public static FastInline? Parse(IEnumerable<XElement> others, out string? error)
    {
        error = null;
        var fast = others.FirstOrDefault(e => e.Name == FastName);
        var request = others.FirstOrDefault(e => e.Name == RequestTokenName);
        long count = 0;
        if ((string?)fast?.Attribute("count") is { } text &&
            (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count <= 0))
        {
            error = "the FAST count must be a positive integer";
            return null;
        }
        string? mechanism = null;
        if (request is not null && string.IsNullOrEmpty(mechanism = (string?)request.Attribute("mechanism")))
        {
            error = "request-token needs a mechanism";
            return null;
        }
        var invalidate = (string?)fast?.Attribute("invalidate") is "1" or "true";
        return fast is null && request is null ? None : new FastInline(fast is not null, invalidate, count, mechanism);
    }
}
