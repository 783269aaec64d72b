using System.Diagnostics;
using System.Diagnostics.Metrics;
using Xmpp.Common.Telemetry;
using Xmpp.Protos;

namespace Xmpp.Router.Telemetry;

/// <summary>
/// The router's spans and metrics. One span per routed frame ("route packet", "route session"),
/// child of the span that sent the frame; the frame then carries the router span's context, so
/// the next hop is its child. Metrics: linked components, routed frames, route errors and the
/// routing latency (frame read from the sender until written to the destination's stream).
/// </summary>
public static class RouterTelemetry
{
    public const string Name = "Xmpp.Router";
    public const string ServiceName = "xmpp-router";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    private static int _components;

    public static readonly Counter<long> Frames = Meter.CreateCounter<long>("xmpp.router.frames", "{frame}", "Frames routed to their destination, by body");
    public static readonly Counter<long> RouteErrors = Meter.CreateCounter<long>("xmpp.router.route_errors", "{frame}", "Frames returned to their sender because the destination is unknown, gone or not theirs to use");
    public static readonly Counter<long> ReturnsDropped = Meter.CreateCounter<long>("xmpp.router.returns_dropped", "{frame}",
        "Undeliverable frames not returned to their sender, by body and why: returned-failure (a returned frame is never returned again), sender-congested (the sender's own queue was full)");
    public static readonly Histogram<double> RoutingLatency = Meter.CreateHistogram("xmpp.router.routing.duration", "s",
        "Time from reading a frame off its sender's link until it is written to the destination's link",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });

    /// <summary>Refusals by what was refused: a TLS client certificate, a bind, a frame's unbound `from`, a frame outside the sender's role, a watch.</summary>
    public static readonly Counter<long> Refusals = Meter.CreateCounter<long>("xmpp.router.refusals", "{refusal}",
        "Connections, binds, frames and watches the router refused because the peer's certificate does not allow them");

    public const string RefusalCertificate = "certificate";
    public const string RefusalBind = "bind";
    public const string RefusalFrom = "from";
    public const string RefusalAction = "action";
    public const string RefusalWatch = "watch";
    public const string RefusalComponents = "components";

    public static void Refused(string what) => Refusals.Add(1, new KeyValuePair<string, object?>("refused", what));

    static RouterTelemetry()
    {
        Meter.CreateObservableUpDownCounter("xmpp.router.components", () => Volatile.Read(ref _components), "{component}", "Components linked to the router (open links)");
    }

    public static void ComponentLinked() => Interlocked.Increment(ref _components);
    public static void ComponentUnlinked() => Interlocked.Decrement(ref _components);

    private static readonly string[] SpanNames = ["route none", "route bind", "route session", "route packet", "route component", "route bind_result"];

    /// <summary>Starts the span of one routed frame (parent: the frame's trace) and re-stamps the frame with it.</summary>
    public static Activity? StartRoute(Frame frame)
    {
        if (!Source.HasListeners()) return null;
        var activity = FrameTrace.StartFrom(Source, SpanName(frame), ActivityKind.Internal, frame);
        if (activity is null) return null;
        FrameTrace.Describe(activity, frame);
        FrameTrace.Stamp(frame, activity);
        return activity;
    }

    private static string SpanName(Frame frame)
    {
        var index = (int)frame.BodyCase - 9; // bind = 10 ... bind_result = 14
        return index is >= 1 and <= 5 ? SpanNames[index] : SpanNames[0];
    }

    public static void Routed(Frame frame) =>
        Frames.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Body, FrameTrace.KindOf(frame)));

    public static void RouteError(Activity? activity, Frame frame, RouteError.Types.Code code, string reason)
    {
        RouteErrors.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Code, FrameTrace.CodeName(code)),
            new KeyValuePair<string, object?>(TelemetryTags.Body, FrameTrace.KindOf(frame)));
        FrameTrace.MarkRouteError(activity, code, reason);
    }

    public static void ReturnDropped(Frame frame, string why) =>
        ReturnsDropped.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Body, FrameTrace.KindOf(frame)),
            new KeyValuePair<string, object?>(TelemetryTags.Reason, why));

    public static void Delivered(Frame frame, long readTimestamp)
    {
        if (readTimestamp == 0) return;
        RoutingLatency.Record(Stopwatch.GetElapsedTime(readTimestamp).TotalSeconds,
            new KeyValuePair<string, object?>(TelemetryTags.Body, FrameTrace.KindOf(frame)));
    }
}
