using System.Diagnostics;
using Microsoft.Extensions.Logging;
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

    /// <summary>
    /// Routes one frame. A frame for another component is queued without being written, and that
    /// component is returned: the caller writes it (<see cref="ComponentLink.WriteQueued"/>) once it
    /// has routed more of the batch the frame came in, so the frames of one incoming batch leave in
    /// a few outgoing batches instead of one write each. Returned failures are written at once.
    /// </summary>
    public async ValueTask<ComponentLink?> RouteAsync(ComponentLink sender, Frame frame, CancellationToken ct)
    {
        var read = Stopwatch.GetTimestamp();
        using var activity = RouterTelemetry.StartRoute(frame);
        if (!sender.Owns(frame.From))
        {
            logger.LogWarning("Frame from {Sender} claims unbound address {From}; returned", sender, frame.From);
            RouterTelemetry.Refused(RouterTelemetry.RefusalFrom);
            await ReturnAsync(sender, frame, RouteError.Types.Code.RouteForbidden, $"address {frame.From} is not bound by this link", activity, ct);
            return null;
        }

        var destination = table.Find(frame.To);
        if (destination is not null && await destination.EnqueueAsync(frame, ct, read, writeNow: false))
        {
            RouterTelemetry.Routed(frame);
            tap.Publish(frame);
            return destination;
        }

        var code = destination is null ? RouteError.Types.Code.RouteUnknown : RouteError.Types.Code.RouteGone;
        await ReturnAsync(sender, frame, code, $"no component bound to {frame.To}", activity, ct);
        return null;
    }

    private async ValueTask ReturnAsync(ComponentLink sender, Frame frame, RouteError.Types.Code code, string reason, Activity? activity, CancellationToken ct)
    {
        RouterTelemetry.RouteError(activity, frame, code, reason);
        tap.Publish(frame, code);
        if (IsReturnedFailure(frame))
        {
            logger.LogDebug("Dropping undeliverable returned frame for {To}", frame.To);
            return;
        }
        var returned = frame.Clone();
        returned.To = frame.From;
        returned.From = frame.To;
        if (returned.BodyCase == Frame.BodyOneofCase.Session)
        {
            returned.Session.Failed = true;
            returned.Session.Reason = code == RouteError.Types.Code.RouteForbidden ? "route-forbidden" : RouteUnknownReason;
        }
        else
        {
            returned.RouteError = new RouteError { Code = code, Reason = reason };
        }
        await sender.EnqueueAsync(returned, ct);
    }

    private static bool IsReturnedFailure(Frame frame) =>
        frame.RouteError is { Code: not RouteError.Types.Code.RouteErrorNone } ||
        (frame.BodyCase == Frame.BodyOneofCase.Session && frame.Session.Failed &&
         frame.Session.Reason is RouteUnknownReason or "route-forbidden");
}
