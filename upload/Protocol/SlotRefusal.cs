using System.Globalization;
using System.Xml.Linq;
using Xmpp.Common.Stanzas;

namespace Xmpp.Upload.Protocol;

/// <summary>
/// Why a slot was not given, as XEP-0363 §5 words it: the stanza error's type and condition, a
/// human-readable text, the XEP's own child (&lt;file-too-large&gt; with &lt;max-file-size&gt;,
/// &lt;retry stamp&gt;), and the reason it is counted under.
/// </summary>
public sealed record SlotRefusal(string Type, string Condition, string Text, XElement? Detail, string Reason)
{
    private static readonly XNamespace Upload = UploadNs.HttpUpload;

    public static SlotRefusal BadRequest(string text) => new(StanzaErrors.Modify, StanzaErrors.BadRequest, text, null, "bad-request");

    public static SlotRefusal Forbidden(string text) => new(StanzaErrors.Cancel, StanzaErrors.Forbidden, text, null, "forbidden");

    public static SlotRefusal FileTooLarge(long max) => new(StanzaErrors.Modify, StanzaErrors.NotAcceptable,
        $"File too large. The maximum file size is {max} bytes",
        new XElement(Upload + "file-too-large", new XElement(Upload + "max-file-size", max.ToString(CultureInfo.InvariantCulture))), "file-too-large");

    public static SlotRefusal Quota(long used, long quota, DateTimeOffset? retry) => new(StanzaErrors.Wait, StanzaErrors.ResourceConstraint,
        $"Quota reached. You may store {quota} bytes and hold {used} already", Retry(retry), "quota");

    public static SlotRefusal Rate(DateTimeOffset retry) => new(StanzaErrors.Wait, StanzaErrors.ResourceConstraint,
        "Too many upload slot requests. Try again later", Retry(retry), "rate");

    /// <summary>The error answer to the request iq.</summary>
    public XElement ReplyTo(XElement iq)
    {
        var reply = StanzaErrors.Reply(iq, Type, Condition, Text);
        if (Detail is not null) reply.Elements().Single(e => e.Name.LocalName == "error").Add(Detail);
        return reply;
    }

    private static XElement? Retry(DateTimeOffset? at) => at is { } stamp
        ? new XElement(Upload + "retry", new XAttribute("stamp", stamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)))
        : null;
}
