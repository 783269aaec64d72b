using System.Xml.Linq;

namespace Xmpp.Common.Stanzas;

/// <summary>RFC 6120 §8.3 stanza errors: building the error reply to a stanza.</summary>
public static class StanzaErrors
{
    public const string BadRequest = "bad-request";
    public const string Conflict = "conflict";
    public const string FeatureNotImplemented = "feature-not-implemented";
    public const string Forbidden = "forbidden";
    public const string InternalServerError = "internal-server-error";
    public const string ItemNotFound = "item-not-found";
    public const string JidMalformed = "jid-malformed";
    public const string NotAcceptable = "not-acceptable";
    public const string NotAllowed = "not-allowed";
    public const string NotAuthorized = "not-authorized";
    public const string PolicyViolation = "policy-violation";
    public const string RecipientUnavailable = "recipient-unavailable";
    public const string ResourceConstraint = "resource-constraint";
    public const string ServiceUnavailable = "service-unavailable";
    public const string UndefinedCondition = "undefined-condition";
    public const string UnexpectedRequest = "unexpected-request";

    public const string Cancel = "cancel";
    public const string Modify = "modify";
    public const string Auth = "auth";
    public const string Wait = "wait";

    private static readonly XNamespace StanzasNs = Ns.Stanzas;

    /// <summary>
    /// The error answer to <paramref name="original"/>: same name and id, addresses swapped,
    /// type='error', the original payload kept (RFC 6120 §8.3.1 allows it) and the error child.
    /// <paramref name="from"/> overrides the answer's from (e.g. the server's domain when the original had no 'to').
    /// </summary>
    public static XElement Reply(XElement original, string type, string condition, string? text = null, string? from = null)
    {
        var reply = new XElement(original.Name);
        var id = (string?)original.Attribute("id");
        if (id is not null) reply.SetAttributeValue("id", id);
        var replyFrom = from ?? (string?)original.Attribute("to");
        var replyTo = (string?)original.Attribute("from");
        if (replyTo is not null) reply.SetAttributeValue("to", replyTo);
        if (replyFrom is not null) reply.SetAttributeValue("from", replyFrom);
        reply.SetAttributeValue("type", "error");
        if (original.Name.LocalName != "iq")
            foreach (var child in original.Elements()) reply.Add(new XElement(child));
        var error = new XElement(original.Name.Namespace + "error", new XAttribute("type", type), new XElement(StanzasNs + condition));
        if (text is not null) error.Add(new XElement(StanzasNs + "text", text));
        reply.Add(error);
        return reply;
    }

    /// <summary>The default error type RFC 6120 §8.3.3 gives each condition.</summary>
    public static string DefaultType(string condition) => condition switch
    {
        BadRequest or JidMalformed or NotAcceptable or PolicyViolation => Modify,
        NotAuthorized => Auth,
        InternalServerError or ResourceConstraint or RecipientUnavailable => Wait,
        _ => Cancel,
    };

    public static XElement Reply(XElement original, string condition) => Reply(original, DefaultType(condition), condition);
}
