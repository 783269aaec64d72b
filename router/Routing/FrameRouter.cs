using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Xmpp.Common.Link;
using Xmpp.Protos;
using Xmpp.Router.Telemetry;

namespace Xmpp.Router.Routing;

/// <summary>
/// Forwards frames by address, never looking inside stanzas. A frame for an unknown address
/// goes back to its sender: a session action marked failed, anything else with a route error.
/// A frame that is itself a returned failure is never returned again (loop guard).
/// Every routed frame gets a span (child of the frame's trace context, which it then replaces)
/// and is shown to the watchers of <see cref="TrafficTap"/>.
/// </summary>
public sealed class FrameRouter(RoutingTable table, TrafficTap tap, ILogger<FrameRouter> logger)
{
    public const string RouteUnknownReason = "route-unknown";
    public const string RouteCongestedReason = "route-congested";

    /// <summary>
    /// Routes one frame. A frame for another component is queued without being written, and that
    /// component is returned: the caller writes it (<see cref="ComponentLink.WriteQueued"/>) once it
    /// has routed more of the batch the frame came in, so the frames of one incoming batch leave in
    /// a few outgoing batches instead of one write each. Returned failures are written at once.
    /// Never waits: a destination whose queue is full gets nothing and the frame goes back to its
    /// sender with ROUTE_CONGESTED, so the sender's read loop goes on with its other frames.
    /// </summary>
    public ComponentLink? Route(ComponentLink sender, Frame frame)
    {
        var read = Stopwatch.GetTimestamp();
        using var activity = RouterTelemetry.StartRoute(frame);
        if (!sender.Owns(frame.From))
        {
            logger.LogWarning("Frame from {Sender} claims unbound address {From}; returned", sender, frame.From);
            RouterTelemetry.Refused(RouterTelemetry.RefusalFrom);
            Return(sender, frame, RouteError.Types.Code.RouteForbidden, $"address {frame.From} is not bound by this link", activity);
            return null;
        }

        var destination = table.FindFor(frame); // "sm/<domain>" served by shards: the owner of the frame's bare JID
        var result = destination?.Enqueue(frame, read, writeNow: false) ?? EnqueueResult.Closed;
        if (result == EnqueueResult.Queued)
        {
            RouterTelemetry.Routed(frame);
            tap.Publish(frame);
            return destination;
        }
        if (result == EnqueueResult.Full)
        {
            if (destination!.ShouldLogRefusal(out var refused))
                logger.LogWarning("Component {Destination} is congested ({Bytes} bytes queued for it): {Count} frames returned to their senders since the last report",
                    destination, destination.QueuedBytes, refused);
            Return(sender, frame, RouteError.Types.Code.RouteCongested, $"{frame.To} has too much queued", activity);
            return null;
        }

        var code = destination is null ? RouteError.Types.Code.RouteUnknown : RouteError.Types.Code.RouteGone;
        Return(sender, frame, code, $"no component bound to {frame.To}", activity);
        return null;
    }

    private readonly RateLimitedCount _senderGone = new();

    /// <summary>A frame that was queued for a component whose link then closed: back to its sender (if still linked), ROUTE_GONE.</summary>
    public void ReturnGone(Frame frame)
    {
        if (table.Find(frame.From) is { } sender)
        {
            Return(sender, frame, RouteError.Types.Code.RouteGone, $"{frame.To} went away while the frame was queued for it", null);
            sender.WriteQueued();
        }
        else
        {
            RouterTelemetry.ReturnDropped(frame, "sender-gone");
            if (_senderGone.ShouldReport(out var dropped))
                logger.LogWarning("A {Kind} frame from {From} could not reach {To} and its sender is gone too: {Count} such frames dropped since the last report",
                    frame.BodyCase, frame.From, frame.To, dropped);
        }
    }

    private void Return(ComponentLink sender, Frame frame, RouteError.Types.Code code, string reason, Activity? activity)
    {
        RouterTelemetry.RouteError(activity, frame, code, reason);
        tap.Publish(frame, code);
        if (IsReturnedFailure(frame))
        {
            logger.LogDebug("Dropping undeliverable returned frame for {To}", frame.To);
            RouterTelemetry.ReturnDropped(frame, "returned-failure");
            return;
        }
        var returned = Answer(frame, code, reason, code switch
        {
            RouteError.Types.Code.RouteForbidden => "route-forbidden",
            RouteError.Types.Code.RouteCongested => RouteCongestedReason,
            _ => RouteUnknownReason,
        });
        // The sender's own queue bounds what comes back to it too: a sender that floods and does not read loses its answers.
        if (sender.Enqueue(returned) == EnqueueResult.Full)
        {
            RouterTelemetry.ReturnDropped(frame, "sender-congested");
            if (sender.ShouldLogRefusal(out var refused))
                logger.LogWarning("Component {Sender} is congested too: {Count} returned frames for it dropped since the last report", sender, refused);
        }
    }

    /// <summary>
    /// The frame back to its sender: a session action marked failed with <paramref name="sessionReason"/>,
    /// anything else with a route error (<paramref name="code"/>, <paramref name="reason"/>).
    /// </summary>
    public static Frame Answer(Frame frame, RouteError.Types.Code code, string reason, string sessionReason)
    {
        var returned = frame.Clone();
        returned.To = frame.From;
        returned.From = frame.To;
        if (returned.BodyCase == Frame.BodyOneofCase.Session)
        {
            returned.Session.Failed = true;
            returned.Session.Reason = sessionReason;
        }
        else
        {
            returned.RouteError = new RouteError { Code = code, Reason = reason };
        }
        return returned;
    }

    /// <summary>Whether the frame is itself a returned failure or refusal, which is never answered again (loop guard).</summary>
    public static bool IsReturnedFailure(Frame frame) =>
        frame.RouteError is { Code: not RouteError.Types.Code.RouteErrorNone } ||
        (frame.BodyCase == Frame.BodyOneofCase.Session && frame.Session.Failed &&
         frame.Session.Reason is RouteUnknownReason or RouteCongestedReason or "route-forbidden" or LinkPermissions.ForbiddenReason);
}
