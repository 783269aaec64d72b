using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Xmpp.Common.Telemetry;
using Xmpp.Protos;

namespace Xmpp.Router.Routing;

/// <summary>
/// The live view behind Router.Watch (`xmppctl trace`): every routed frame is summarised (never
/// its stanza) and offered to the watchers whose filter it matches. With no watcher the cost on
/// the routing path is one volatile read. A slow watcher loses its oldest summaries; routing never waits for it.
/// </summary>
public sealed class TrafficTap
{
    public const int WatcherQueueCapacity = 4096;

    private readonly Lock _lock = new();
    private volatile Watcher[] _watchers = [];

    public bool Active => _watchers.Length > 0;

    public Watcher Subscribe(WatchRequest request)
    {
        var watcher = new Watcher(this, request);
        lock (_lock) _watchers = [.. _watchers, watcher];
        return watcher;
    }

    private void Unsubscribe(Watcher watcher)
    {
        lock (_lock) _watchers = _watchers.Where(w => w != watcher).ToArray();
        watcher.Complete();
    }

    /// <summary>Reports a routed frame (after the router stamped its own trace context), or one returned with a route error.</summary>
    public void Publish(Frame frame, RouteError.Types.Code routeError = RouteError.Types.Code.RouteErrorNone)
    {
        var watchers = _watchers;
        if (watchers.Length == 0) return;
        RoutedFrame? summary = null;
        foreach (var watcher in watchers)
        {
            if (!watcher.Matches(frame)) continue;
            summary ??= Summarize(frame, routeError);
            watcher.Offer(summary);
        }
    }

    public static RoutedFrame Summarize(Frame frame, RouteError.Types.Code routeError)
    {
        var (traceId, spanId) = FrameTrace.IdsOf(frame);
        var summary = new RoutedFrame
        {
            Time = Timestamp.FromDateTime(DateTime.UtcNow),
            From = frame.From,
            To = frame.To,
            Body = FrameTrace.KindOf(frame),
            Size = frame.CalculateSize(),
            RouteError = routeError,
            TraceId = traceId,
            SpanId = spanId,
        };
        switch (frame.BodyCase)
        {
            case Frame.BodyOneofCase.Packet:
                var packet = frame.Packet;
                summary.StanzaKind = packet.Kind;
                summary.StanzaType = packet.Type;
                summary.StanzaFrom = packet.StanzaFrom;
                summary.StanzaTo = packet.StanzaTo;
                summary.C2SSession = packet.C2SSession;
                summary.SmSession = packet.SmSession;
                break;
            case Frame.BodyOneofCase.Session:
                var session = frame.Session;
                summary.Action = FrameTrace.ActionName(session.Action);
                summary.Target = session.Target;
                summary.Failed = session.Failed;
                summary.Reason = session.Reason;
                summary.C2SSession = session.C2SSession;
                summary.SmSession = session.SmSession;
                break;
        }
        return summary;
    }

    /// <summary>One Watch call: its filter and its queue.</summary>
    public sealed class Watcher : IDisposable
    {
        private readonly TrafficTap _tap;
        private readonly string _jid;
        private readonly bool _jidIsBare;
        private readonly string _component;
        private readonly bool _componentIsKind;
        private readonly Channel<RoutedFrame> _queue = Channel.CreateBounded<RoutedFrame>(new BoundedChannelOptions(WatcherQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.DropOldest,
        });

        internal Watcher(TrafficTap tap, WatchRequest request)
        {
            _tap = tap;
            _jid = request.Jid.Trim();
            _jidIsBare = !_jid.Contains('/');
            _component = request.Component.Trim();
            _componentIsKind = _component.Length > 0 && !_component.Contains('/');
        }

        public ChannelReader<RoutedFrame> Reader => _queue.Reader;

        internal void Offer(RoutedFrame summary) => _queue.Writer.TryWrite(summary);
        internal void Complete() => _queue.Writer.TryComplete();

        public bool Matches(Frame frame)
        {
            if (_component.Length > 0 && !IsComponent(frame.To) && !IsComponent(frame.From)) return false;
            if (_jid.Length == 0) return true;
            return frame.BodyCase switch
            {
                Frame.BodyOneofCase.Packet => IsJid(frame.Packet.StanzaTo) || IsJid(frame.Packet.StanzaFrom),
                Frame.BodyOneofCase.Session => IsJid(frame.Session.Target),
                _ => false,
            };
        }

        private bool IsComponent(string address) =>
            _componentIsKind
                ? address.Length > _component.Length && address[_component.Length] == '/' && address.StartsWith(_component, StringComparison.Ordinal)
                : string.Equals(address, _component, StringComparison.Ordinal);

        private bool IsJid(string jid)
        {
            if (jid.Length == 0) return false;
            if (string.Equals(jid, _jid, StringComparison.OrdinalIgnoreCase)) return true;
            // A bare filter matches every resource of that account.
            return _jidIsBare && jid.Length > _jid.Length && jid[_jid.Length] == '/' &&
                   jid.StartsWith(_jid, StringComparison.OrdinalIgnoreCase);
        }

        public void Dispose() => _tap.Unsubscribe(this);
    }
}
