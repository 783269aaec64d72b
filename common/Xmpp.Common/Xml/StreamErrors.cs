using System.Xml.Linq;

namespace Xmpp.Common.Xml;

/// <summary>RFC 6120 §4.9.3 stream error conditions and the element that carries one.</summary>
public static class StreamErrors
{
    public const string BadFormat = "bad-format";
    public const string BadNamespacePrefix = "bad-namespace-prefix";
    public const string Conflict = "conflict";
    public const string ConnectionTimeout = "connection-timeout";
    public const string HostGone = "host-gone";
    public const string HostUnknown = "host-unknown";
    public const string ImproperAddressing = "improper-addressing";
    public const string InternalServerError = "internal-server-error";
    public const string InvalidFrom = "invalid-from";
    public const string InvalidNamespace = "invalid-namespace";
    public const string InvalidXml = "invalid-xml";
    public const string NotAuthorized = "not-authorized";
    public const string NotWellFormed = "not-well-formed";
    public const string PolicyViolation = "policy-violation";
    public const string ResourceConstraint = "resource-constraint";
    public const string RestrictedXml = "restricted-xml";
    public const string SeeOtherHost = "see-other-host";
    public const string SystemShutdown = "system-shutdown";
    public const string UndefinedCondition = "undefined-condition";
    public const string UnsupportedEncoding = "unsupported-encoding";
    public const string UnsupportedStanzaType = "unsupported-stanza-type";
    public const string UnsupportedVersion = "unsupported-version";

    private static readonly XNamespace StreamNs = Ns.Stream;
    private static readonly XNamespace ErrNs = Ns.Streams;

    /// <summary>&lt;stream:error&gt;&lt;condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/&gt;&lt;/stream:error&gt; as text, stream prefix included.</summary>
    public static string Render(string condition, string? text = null)
    {
        var body = text is null
            ? $"<{condition} xmlns='{Ns.Streams}'/>"
            : $"<{condition} xmlns='{Ns.Streams}'/><text xmlns='{Ns.Streams}'>{System.Security.SecurityElement.Escape(text)}</text>";
        return $"<stream:error>{body}</stream:error>";
    }

    /// <summary>&lt;see-other-host/&gt; (RFC 6120 §4.9.3.19): its character data is where the client reconnects (host, IPv6 in brackets, optional :port).</summary>
    public static string RenderSeeOtherHost(string host) =>
        $"<stream:error><{SeeOtherHost} xmlns='{Ns.Streams}'>{System.Security.SecurityElement.Escape(host)}</{SeeOtherHost}></stream:error>";

    public static XElement Element(string condition) =>
        new(StreamNs + "error", new XElement(ErrNs + condition));
}
