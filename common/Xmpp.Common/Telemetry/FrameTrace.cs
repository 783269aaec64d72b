using System.Diagnostics;
using Xmpp.Protos;

namespace Xmpp.Common.Telemetry;

/// <summary>
/// The trace context carried in every frame (W3C traceparent/tracestate, per frame): reading it
/// on receipt, starting a span that continues it, stamping a span's context onto a frame, and
/// describing a frame on a span. Describing happens only for spans that record data
/// (<see cref="Activity.IsAllDataRequested"/>), so an unsampled hop builds no attribute strings.
/// </summary>
public static class FrameTrace
{
    /// <summary>The context of the span that sent <paramref name="frame"/>; default when it carries none (or a malformed one).</summary>
    public static ActivityContext ParentOf(Frame frame)
    {
        var trace = frame.Trace;
        if (trace is null || trace.Traceparent.Length == 0) return default;
        return ActivityContext.TryParse(trace.Traceparent, trace.Tracestate.Length > 0 ? trace.Tracestate : null, isRemote: true, out var context)
            ? context
            : default;
    }

    /// <summary>
    /// Starts a span continuing the trace of <paramref name="frame"/> (a new root when it carries
    /// none). Null when nobody listens or the sampler drops it.
    /// </summary>
    public static Activity? StartFrom(ActivitySource source, string name, ActivityKind kind, Frame frame)
    {
        if (!source.HasListeners()) return null;
        var parent = ParentOf(frame);
        return StartWithParent(source, name, kind, parent);
    }

    /// <summary>Starts a span with an explicit parent; with none it is a new root, whatever span is ambient.</summary>
    public static Activity? StartWithParent(ActivitySource source, string name, ActivityKind kind, ActivityContext parent)
    {
        if (!source.HasListeners()) return null;
        // A request-scoped activity of the host (e.g. ASP.NET Core's for a long-lived gRPC call)
        // must not become the parent of unrelated frames.
        if (parent == default && Activity.Current is not null) Activity.Current = null;
        return source.StartActivity(name, kind, parent);
    }

    /// <summary>Replaces the frame's trace context with <paramref name="activity"/>'s, so the next hop becomes its child.</summary>
    public static void Stamp(Frame frame, Activity activity) =>
        frame.Trace = ContextOf(activity);

    public static TraceContext ContextOf(Activity activity) =>
        new() { Traceparent = activity.Id ?? "", Tracestate = activity.TraceStateString ?? "" };

    /// <summary>The trace id and span id a frame carries ("" when none).</summary>
    public static (string TraceId, string SpanId) IdsOf(Frame frame)
    {
        var parent = frame.Trace?.Traceparent;
        // 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>
        if (parent is null || parent.Length < 55 || parent[2] != '-' || parent[35] != '-') return ("", "");
        return (parent.Substring(3, 32), parent.Substring(36, 16));
    }

    /// <summary>Sets the standard attributes of a frame on a recording span: addresses, kinds, sizes, session ids, failures.</summary>
    public static void Describe(Activity? activity, Frame frame)
    {
        if (activity is not { IsAllDataRequested: true }) return;
        activity.SetTag(TelemetryTags.FrameKind, KindOf(frame));
        activity.SetTag(TelemetryTags.FrameFrom, frame.From);
        activity.SetTag(TelemetryTags.FrameTo, frame.To);
        activity.SetTag(TelemetryTags.FrameSize, frame.CalculateSize());
        switch (frame.BodyCase)
        {
            case Frame.BodyOneofCase.Packet:
                DescribePacket(activity, frame.Packet);
                break;
            case Frame.BodyOneofCase.Session:
                var session = frame.Session;
                activity.SetTag(TelemetryTags.SessionAction, ActionName(session.Action));
                if (session.C2SSession.Length > 0) activity.SetTag(TelemetryTags.C2sSession, session.C2SSession);
                if (session.SmSession.Length > 0) activity.SetTag(TelemetryTags.SmSession, session.SmSession);
                if (session.Target.Length > 0) activity.SetTag(TelemetryTags.TargetDomain, DomainOf(session.Target));
                activity.SetTag(TelemetryTags.SessionFailed, session.Failed);
                if (session.Failed)
                {
                    activity.SetTag(TelemetryTags.SessionReason, session.Reason);
                    activity.SetStatus(ActivityStatusCode.Error, session.Reason);
                }
                else if (session.Reason.Length > 0)
                {
                    activity.SetTag(TelemetryTags.SessionReason, session.Reason);
                }
                break;
            case Frame.BodyOneofCase.Component:
                activity.SetTag(TelemetryTags.Component, frame.Component.Address);
                break;
        }
        if (frame.RouteError is { Code: not RouteError.Types.Code.RouteErrorNone } error)
            MarkRouteError(activity, error.Code, error.Reason);
    }

    /// <summary>A packet's routing hints on a recording span: stanza kind, type, size, domains (never the stanza).</summary>
    public static void DescribePacket(Activity? activity, Packet packet)
    {
        if (activity is not { IsAllDataRequested: true }) return;
        activity.SetTag(TelemetryTags.StanzaKind, packet.Kind);
        if (packet.Type.Length > 0) activity.SetTag(TelemetryTags.StanzaType, packet.Type);
        activity.SetTag(TelemetryTags.StanzaSize, packet.Stanza.Length);
        if (packet.StanzaFrom.Length > 0) activity.SetTag(TelemetryTags.FromDomain, DomainOf(packet.StanzaFrom));
        if (packet.StanzaTo.Length > 0) activity.SetTag(TelemetryTags.ToDomain, DomainOf(packet.StanzaTo));
        if (packet.C2SSession.Length > 0) activity.SetTag(TelemetryTags.C2sSession, packet.C2SSession);
        if (packet.SmSession.Length > 0) activity.SetTag(TelemetryTags.SmSession, packet.SmSession);
    }

    public static void MarkRouteError(Activity? activity, RouteError.Types.Code code, string reason)
    {
        if (activity is null) return;
        activity.SetStatus(ActivityStatusCode.Error, "route error");
        if (!activity.IsAllDataRequested) return;
        activity.SetTag(TelemetryTags.RouteError, CodeName(code));
        activity.SetTag(TelemetryTags.RouteErrorReason, reason);
    }

    /// <summary>"packet", "session", "component", "bind", "bind_result" (no allocation).</summary>
    public static string KindOf(Frame frame) => frame.BodyCase switch
    {
        Frame.BodyOneofCase.Packet => "packet",
        Frame.BodyOneofCase.Session => "session",
        Frame.BodyOneofCase.Component => "component",
        Frame.BodyOneofCase.Bind => "bind",
        Frame.BodyOneofCase.BindResult => "bind_result",
        _ => "none",
    };

    /// <summary>The wire name of a session action ("START", "STARTED", ...), without allocation for known ones.</summary>
    public static string ActionName(Session.Types.Action action) => action switch
    {
        Session.Types.Action.Start => "START",
        Session.Types.Action.Started => "STARTED",
        Session.Types.Action.End => "END",
        Session.Types.Action.Ended => "ENDED",
        Session.Types.Action.Create => "CREATE",
        Session.Types.Action.Created => "CREATED",
        Session.Types.Action.Delete => "DELETE",
        Session.Types.Action.Deleted => "DELETED",
        Session.Types.Action.Auth => "AUTH",
        Session.Types.Action.Authed => "AUTHED",
        Session.Types.Action.Passwd => "PASSWD",
        Session.Types.Action.PasswdDone => "PASSWD_DONE",
        Session.Types.Action.List => "LIST",
        Session.Types.Action.Listed => "LISTED",
        Session.Types.Action.Online => "ONLINE",
        Session.Types.Action.OnlineList => "ONLINE_LIST",
        Session.Types.Action.Kick => "KICK",
        Session.Types.Action.Kicked => "KICKED",
        Session.Types.Action.Announce => "ANNOUNCE",
        Session.Types.Action.Announced => "ANNOUNCED",
        Session.Types.Action.SmEnable => "SM_ENABLE",
        Session.Types.Action.SmEnabled => "SM_ENABLED",
        Session.Types.Action.SmAck => "SM_ACK",
        Session.Types.Action.SmRequest => "SM_REQUEST",
        Session.Types.Action.SmAnswer => "SM_ANSWER",
        Session.Types.Action.Detach => "DETACH",
        Session.Types.Action.Resume => "RESUME",
        Session.Types.Action.Resumed => "RESUMED",
        _ => "NONE",
    };

    public static string CodeName(RouteError.Types.Code code) => code switch
    {
        RouteError.Types.Code.RouteUnknown => "ROUTE_UNKNOWN",
        RouteError.Types.Code.RouteGone => "ROUTE_GONE",
        RouteError.Types.Code.RouteForbidden => "ROUTE_FORBIDDEN",
        RouteError.Types.Code.RouteCongested => "ROUTE_CONGESTED",
        _ => "ROUTE_ERROR_NONE",
    };

    /// <summary>The domain part of a JID string ("alice@example.org/phone" gives "example.org"), without validating it.</summary>
    public static string DomainOf(string jid)
    {
        // localpart@domainpart/resourcepart: the resource starts at the first '/', and the local
        // part (which holds neither '@' nor '/') ends at the first '@' before it.
        var slash = jid.IndexOf('/');
        var end = slash < 0 ? jid.Length : slash;
        var at = jid.IndexOf('@', 0, end);
        return at < 0 && end == jid.Length ? jid : jid[(at + 1)..end];
    }
}
