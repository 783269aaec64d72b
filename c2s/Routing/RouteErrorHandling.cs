using System.Xml;
using Xmpp.C2s.Connections;
using Xmpp.C2s.Telemetry;
using Xmpp.Common.Link;
using Xmpp.Common.Stanzas;
using Xmpp.Protos;

namespace Xmpp.C2s.Routing;

/// <summary>
/// What c2s does with a packet of its own that the router returned with a route error. A client
/// stanza that sm could not take now (ROUTE_CONGESTED: sm's queue at the router is full) gets an
/// error stanza back to the client, &lt;resource-constraint/&gt; of type wait (RFC 6120 §8.3.3.18),
/// unless it is presence, an error or an iq result (never answered with an error); those are
/// dropped. A packet c2s was returning to sm (undelivered) that comes back too is lost. Each case
/// is logged and counted. The connection itself is closed by the caller when sm is gone.
/// </summary>
public static class RouteErrorHandling
{
    private static readonly RateLimitedCount Warnings = new(); // at most one warning a second: a congested sm returns many frames at once

    public static void OnReturned(Packet packet, RouteError error, ClientConnection? connection, ILogger logger)
    {
        C2sTelemetry.RefusedByRouter(packet.Kind, error.Code);
        if (packet.Undelivered)
        {
            WarnRateLimited(logger, "An undelivered {Kind} stanza could not be returned to sm ({Code}: {Reason}); lost", packet.Kind, error);
            return;
        }
        if (error.Code != RouteError.Types.Code.RouteCongested) return; // sm is gone: the caller closes the stream
        WarnRateLimited(logger, "sm could not take a {Kind} stanza now ({Code}: {Reason}); the client is told to wait", packet.Kind, error);
        if (connection is null || packet.Kind == "presence" || packet.Type is "error" or "result") return;
        try
        {
            var stanza = StanzaCodec.Parse(packet.Stanza.Span);
            connection.SendToClient(StanzaErrors.Reply(stanza, StanzaErrors.Wait, StanzaErrors.ResourceConstraint, "the server is busy; try again later"));
        }
        catch (XmlException e)
        {
            logger.LogWarning("A returned {Kind} stanza could not be parsed to answer it: {Error}", packet.Kind, e.Message);
        }
    }

    private static void WarnRateLimited(ILogger logger, string message, string kind, RouteError error)
    {
        if (!Warnings.ShouldReport(out _)) return;
#pragma warning disable CA2254 // the two templates are constants of this class
        logger.LogWarning(message, kind, FrameTraceName(error.Code), error.Reason);
#pragma warning restore CA2254
    }

    private static string FrameTraceName(RouteError.Types.Code code) => Xmpp.Common.Telemetry.FrameTrace.CodeName(code);
}
