using Microsoft.Extensions.Logging;
using Xmpp.Common.Link;
using Xmpp.Protos;
using Xmpp.Sm.Core;
using Xmpp.Sm.Telemetry;

namespace Xmpp.Sm.Hosting;

/// <summary>
/// Sends sm's frames over the router link. A frame the link can't take (down, queue full) is
/// logged and handed to <see cref="NotSent"/> (the session manager counts it and stores a message offline).
/// </summary>
public sealed class LinkFrameSink(RouterLink link, ILogger logger) : IFrameSink
{
    public Action<Frame>? NotSent { get; set; }

    public void Send(Frame frame)
    {
        SmTelemetry.Sent(frame);
        if (link.Send(frame)) return;
        logger.LogWarning("Router link unavailable or full: a {Kind} frame to {To} was not sent", frame.BodyCase, frame.To);
        NotSent?.Invoke(frame);
    }
}
