using Microsoft.Extensions.Logging;
using Xmpp.Common.Link;
using Xmpp.Protos;
using Xmpp.Sm.Core;
using Xmpp.Sm.Telemetry;

namespace Xmpp.Sm.Hosting;

/// <summary>Sends sm's frames over the router link; a frame the link can't take (down, queue full) is logged and lost.</summary>
public sealed class LinkFrameSink(RouterLink link, ILogger logger) : IFrameSink
{
    public void Send(Frame frame)
    {
        SmTelemetry.Sent(frame);
        if (!link.Send(frame))
            logger.LogWarning("Router link unavailable: dropped a {Kind} frame to {To}", frame.BodyCase, frame.To);
    }
}
