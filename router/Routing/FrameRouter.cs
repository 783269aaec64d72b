using Microsoft.Extensions.Logging;
using Xmpp.Protos;

namespace Xmpp.Router.Routing;

/// <summary>
/// Forwards frames by address, never looking inside stanzas. A frame for an unknown address
/// goes back to its sender: a session action marked failed, anything else with a route error.
/// A frame that is itself a returned failure is never returned again (loop guard).
/// </summary>
public sealed class FrameRouter(RoutingTable table, ILogger<FrameRouter> logger)
{
    public const string RouteUnknownReason = "route-unknown";

    public async ValueTask RouteAsync(ComponentLink sender, Frame frame, CancellationToken ct)
    {
        if (!sender.Owns(frame.From))
        {
            logger.LogWarning("Frame from {Sender} claims unbound address {From}; returned", sender, frame.From);
            await ReturnAsync(sender, frame, RouteError.Types.Code.RouteForbidden, $"address {frame.From} is not bound by this link", ct);
            return;
        }

        var destination = table.Find(frame.To);
        if (destination is not null && await destination.EnqueueAsync(frame, ct)) return;

        var code = destination is null ? RouteError.Types.Code.RouteUnknown : RouteError.Types.Code.RouteGone;
        await ReturnAsync(sender, frame, code, $"no component bound to {frame.To}", ct);
    }

    private async ValueTask ReturnAsync(ComponentLink sender, Frame frame, RouteError.Types.Code code, string reason, CancellationToken ct)
    {
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
