namespace Xmpp.Common.Telemetry;

/// <summary>
/// Names of span attributes and metric tags used by every process. Values are routing metadata
/// only: kinds, types, sizes, domains, component addresses, session ids, failure reasons.
/// Never a stanza's content and never credentials.
/// </summary>
public static class TelemetryTags
{
    public const string FrameKind = "xmpp.frame.kind";
    public const string FrameFrom = "xmpp.frame.from";
    public const string FrameTo = "xmpp.frame.to";
    public const string FrameSize = "xmpp.frame.size";
    public const string StanzaKind = "xmpp.stanza.kind";
    public const string StanzaType = "xmpp.stanza.type";
    public const string StanzaSize = "xmpp.stanza.size";
    public const string FromDomain = "xmpp.stanza.from_domain";
    public const string ToDomain = "xmpp.stanza.to_domain";
    public const string C2sSession = "xmpp.c2s.session";
    public const string SmSession = "xmpp.sm.session";
    public const string SessionAction = "xmpp.session.action";
    public const string SessionFailed = "xmpp.session.failed";
    public const string SessionReason = "xmpp.session.reason";
    public const string TargetDomain = "xmpp.session.target_domain";
    public const string RouteError = "xmpp.route.error";
    public const string RouteErrorReason = "xmpp.route.error_reason";
    public const string Component = "xmpp.component";
    public const string SendFailed = "xmpp.send.failed";
    public const string SmModule = "xmpp.sm.module";
    public const string SmHook = "xmpp.sm.hook";

    // Metric tag keys (low cardinality).
    public const string Kind = "kind";
    public const string Action = "action";
    public const string Reason = "reason";
    public const string Code = "code";
    public const string Body = "body";
    public const string Condition = "condition";
}
