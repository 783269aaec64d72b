using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Common.Stanzas;

namespace Xmpp.C2s.Registration;

/// <summary>
/// XEP-0077 requests as c2s sees them (pure: elements in, decisions out). Before authentication:
/// the form (a get) and a registration (a set with username and password); after: a password
/// change (a set with the own username and a new password). A removal (&lt;remove/&gt;) goes to sm.
/// </summary>
public static class RegistrationRequest
{
    public const string Namespace = "jabber:iq:register";
    public const string FeatureNamespace = "http://jabber.org/features/iq-register";
    public static readonly XName Query = XName.Get("query", Namespace);
    private static readonly XNamespace Ns = Namespace;

    public abstract record Kind
    {
        /// <summary>A get: answer with the form.</summary>
        public sealed record Form : Kind;
        /// <summary>A set with a valid username (nodeprep'd) and a password.</summary>
        public sealed record Register(Jid User, string Password) : Kind;
        /// <summary>A set with &lt;remove/&gt;.</summary>
        public sealed record Remove : Kind;
        /// <summary>Refused at once: the error to answer with.</summary>
        public sealed record Invalid(string Condition, string Text) : Kind;
    }

    /// <summary>Whether the element is an iq get or set carrying a jabber:iq:register query (to nobody or to the domain).</summary>
    public static bool Is(XElement element, string domain)
    {
        if (element.Name.LocalName != "iq" || element.Name.NamespaceName != Xmpp.Common.Ns.Client) return false;
        var type = (string?)element.Attribute("type");
        var to = (string?)element.Attribute("to");
        return type is "get" or "set" && (to is null || string.Equals(to, domain, StringComparison.OrdinalIgnoreCase)) &&
            element.Elements().FirstOrDefault()?.Name == Query;
    }

    public static Kind Classify(XElement iq, string domain)
    {
        var query = iq.Element(Query)!;
        if ((string?)iq.Attribute("type") == "get") return new Kind.Form();
        if (query.Element(Ns + "remove") is not null) return new Kind.Remove();
        var username = query.Element(Ns + "username")?.Value.Trim();
        var password = query.Element(Ns + "password")?.Value;
        if (string.IsNullOrEmpty(username) || string.IsNullOrEmpty(password))
            return new Kind.Invalid(StanzaErrors.NotAcceptable, "a username and a password are required");
        // Nodeprep (RFC 6122 / 7622 localpart): what a JID's local part may be; it is also case-folded here.
        if (!Jid.TryParse(username + "@" + domain, out var jid) || jid.Local is null || jid.Resource is not null || jid.Domain != domain.ToLowerInvariant())
            return new Kind.Invalid(StanzaErrors.NotAcceptable, "the username is not a valid JID local part");
        return new Kind.Register(jid, password);
    }

    /// <summary>XEP-0077 Example 2: the fields to fill in.</summary>
    public static XElement Form(XElement iq) => Result(iq, new XElement(Query,
        new XElement(Ns + "instructions", "Choose a username and password to register with this server."),
        new XElement(Ns + "username"),
        new XElement(Ns + "password")));

    public static XElement Result(XElement iq, XElement? payload = null)
    {
        var result = new XElement(XName.Get("iq", Xmpp.Common.Ns.Client), new XAttribute("type", "result"));
        if (iq.Attribute("id") is { } id) result.SetAttributeValue("id", id.Value);
        if (payload is not null) result.Add(payload);
        return result;
    }

    /// <summary>The feature advertised in the stream features while registration is possible.</summary>
    public static string Feature => $"<register xmlns='{FeatureNamespace}'/>";
}
