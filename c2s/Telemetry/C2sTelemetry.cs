using System.Diagnostics;
using System.Diagnostics.Metrics;
using Xmpp.C2s.Connections;
using Xmpp.C2s.Protocol;
using Xmpp.Common.Telemetry;
using Xmpp.Protos;

namespace Xmpp.C2s.Telemetry;

/// <summary>
/// c2s's spans and metrics. "stanza receive": a client stanza forwarded to sm (the root of a
/// message's trace; the packet frame carries its context). "stanza deliver": a packet from sm
/// written to its client (child of the router span that forwarded it). Metrics: open
/// connections, sessions, stanzas in/out by kind, failed actions, route errors, auth failures.
/// </summary>
public static class C2sTelemetry
{
    public const string Name = "Xmpp.C2s";
    public const string ServiceName = "xmpp-c2s";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> StanzasIn = Meter.CreateCounter<long>("xmpp.c2s.stanzas.in", "{stanza}", "Client stanzas forwarded to sm, by kind");
    public static readonly Counter<long> StanzasOut = Meter.CreateCounter<long>("xmpp.c2s.stanzas.out", "{stanza}", "Stanzas from sm delivered to clients, by kind");
    public static readonly Counter<long> FailedActions = Meter.CreateCounter<long>("xmpp.c2s.failed_actions", "{action}", "Session actions that came back failed, by action and reason");
    public static readonly Counter<long> RouteErrors = Meter.CreateCounter<long>("xmpp.c2s.route_errors", "{frame}", "Frames the router returned undeliverable");
    public static readonly Counter<long> ClientCloses = Meter.CreateCounter<long>("xmpp.c2s.client_closes", "{connection}",
        "Connections the client ended (the end of its stream: over TLS its close_notify, or a TCP close), by transport (tls, tcp)");
    public static readonly Counter<long> AuthFailures = Meter.CreateCounter<long>("xmpp.c2s.auth_failures", "{attempt}", "Failed SASL attempts, by condition");
    public static readonly Counter<long> AuthDelays = Meter.CreateCounter<long>("xmpp.c2s.auth_delays", "{attempt}", "SASL failures whose answer was held back for the client address's back-off");

    public static readonly Counter<long> OutputOverflows = Meter.CreateCounter<long>("xmpp.c2s.output.overflows", "{connection}",
        "Streams closed with <policy-violation/> because more than C2s:MaxOutboundBytes (or C2s:MaxOutboundQueue stanzas) waited for the client");
    public static readonly Counter<long> Undelivered = Meter.CreateCounter<long>("xmpp.c2s.undelivered", "{stanza}",
        "Stanzas from sm that were not written to their client, by kind and outcome (returned: sent back to sm; lost: the router link would not take them)");
    public static readonly Counter<long> Refused = Meter.CreateCounter<long>("xmpp.c2s.refused", "{stanza}",
        "Client stanzas the router returned undelivered (sm's queue full, or sm unreachable), by kind and route error code; the client got an error stanza when one is due");

    public static readonly Counter<long> ConnectionsRefused = Meter.CreateCounter<long>("xmpp.c2s.connections.refused", "{connection}",
        "New client connections refused, by reason (max-connections, too-many-open, too-fast, too-many-addresses)");
    public static readonly Counter<long> ProxyHeadersRejected = Meter.CreateCounter<long>("xmpp.c2s.proxy_protocol.rejected", "{connection}",
        "Connections from trusted proxies closed for their PROXY header, by reason (timeout, malformed, too-long, closed)");
    public static readonly Counter<long> Registrations = Meter.CreateCounter<long>("xmpp.c2s.registrations", "{request}",
        "XEP-0077 registrations, by outcome (created) or refusal reason (disabled, encryption-required, invalid, rate, conflict, reserved, forbidden, ...)");
    public static readonly Counter<long> LoginTimeouts = Meter.CreateCounter<long>("xmpp.c2s.login_timeouts", "{connection}",
        "Connections closed with <connection-timeout/> before login completed, by phase (auth: C2s:AuthTimeout, bind: C2s:LoginTimeout)");

    public static void Registered() => Registrations.Add(1, new KeyValuePair<string, object?>("outcome", "created"));
    public static void RegistrationRefused(string reason) => Registrations.Add(1, new KeyValuePair<string, object?>("outcome", reason));

    /// <summary>Registers the connection and session gauges, read from the registry at collection time.</summary>
    public static void Observe(ConnectionRegistry registry)
    {
        Meter.CreateObservableUpDownCounter("xmpp.c2s.connections", () => registry.Count, "{connection}", "Open client connections");
        Meter.CreateObservableUpDownCounter("xmpp.c2s.sessions", () => registry.All.Count(c => c.Stage == StreamStage.Established), "{session}",
            "Connections with a started sm session (bound resources)");
    }

    /// <summary>Starts "stanza receive" for a client stanza about to be sent to sm as <paramref name="frame"/> (a new trace).</summary>
    public static Activity? StanzaReceived(Frame frame)
    {
        StanzasIn.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Kind, frame.Packet.Kind));
        if (!Source.HasListeners()) return null;
        var activity = FrameTrace.StartWithParent(Source, "stanza receive", ActivityKind.Producer, default);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(TelemetryTags.FrameTo, frame.To);
            FrameTrace.DescribePacket(activity, frame.Packet);
        }
        return activity;
    }

    /// <summary>The router link would not take the frame (down or full): the stanza was not forwarded.</summary>
    public static void SendFailed(Activity? activity)
    {
        if (activity is null) return;
        activity.SetStatus(ActivityStatusCode.Error, "router link unavailable");
        if (activity.IsAllDataRequested) activity.SetTag(TelemetryTags.SendFailed, true);
    }

    /// <summary>Starts "stanza deliver" for a packet from sm (child of the frame's trace); counts a route error.</summary>
    public static Activity? StanzaDelivering(Frame frame)
    {
        if (frame.RouteError is { Code: not RouteError.Types.Code.RouteErrorNone } error)
            RouteErrors.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Code, FrameTrace.CodeName(error.Code)));
        if (!Source.HasListeners()) return null;
        var activity = FrameTrace.StartFrom(Source, "stanza deliver", ActivityKind.Consumer, frame);
        FrameTrace.Describe(activity, frame);
        return activity;
    }

    /// <summary>A stanza from sm handed to its client's connection.</summary>
    public static void Delivered(Packet packet) =>
        StanzasOut.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Kind, packet.Kind));

    /// <summary>The packet's session is gone here (self-healing END sent) or sm is unreachable: nothing was delivered.</summary>
    public static void NotDelivered(Activity? activity, string why)
    {
        if (activity is null) return;
        activity.SetStatus(ActivityStatusCode.Error, why);
    }

    /// <summary>Counts session actions that came back failed (including route failures of session frames).</summary>
    public static void SessionAnswer(Frame frame)
    {
        var session = frame.Session;
        if (!session.Failed) return;
        if (session.Reason is "route-unknown" or "route-forbidden" or "route-congested")
            RouteErrors.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Code, session.Reason switch
            {
                "route-unknown" => "ROUTE_UNKNOWN",
                "route-congested" => "ROUTE_CONGESTED",
                _ => "ROUTE_FORBIDDEN",
            }));
        FailedActions.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Action, FrameTrace.ActionName(session.Action)),
            new KeyValuePair<string, object?>(TelemetryTags.Reason, session.Reason));
    }

    public static void AuthDelayed() => AuthDelays.Add(1);

    public static void ConnectionRefused(string reason) =>
        ConnectionsRefused.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Reason, reason));

    public static void ProxyHeaderRejected(string reason) =>
        ProxyHeadersRejected.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Reason, reason));

    public static void LoginTimedOut(string phase) =>
        LoginTimeouts.Add(1, new KeyValuePair<string, object?>("phase", phase));

    public static readonly Counter<long> NotSent = Meter.CreateCounter<long>("xmpp.c2s.not_sent", "{stanza}",
        "Client stanzas the router link would not take, by kind and why (link-full, link-down); the client got an error stanza when one is due");

    public static void NotSentToSm(string kind, bool linkUp) =>
        NotSent.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Kind, kind), new KeyValuePair<string, object?>(TelemetryTags.Reason, linkUp ? "link-full" : "link-down"));

    public static void OutputOverflow() => OutputOverflows.Add(1);

    public static void ReturnedToSm(string kind, bool sent) =>
        Undelivered.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Kind, kind),
            new KeyValuePair<string, object?>("outcome", sent ? "returned" : "lost"));

    public static void RefusedByRouter(string kind, RouteError.Types.Code code) =>
        Refused.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Kind, kind),
            new KeyValuePair<string, object?>(TelemetryTags.Code, FrameTrace.CodeName(code)));

    public static readonly Counter<long> TlsHandshakeFailures = Meter.CreateCounter<long>("xmpp.c2s.tls.handshake_failures", "{connection}",
        "TLS handshakes that failed (a refused ALPN, no common version or cipher, a timeout, a broken connection), by transport (starttls, direct)");

    public static void TlsHandshakeFailed(bool direct) =>
        TlsHandshakeFailures.Add(1, new KeyValuePair<string, object?>("transport", direct ? "direct" : "starttls"));

    public static void AuthFailed(string condition) =>
        AuthFailures.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Condition, condition));

    /// <summary>The client ended its connection: TCP end of stream, or over TLS its close_notify.</summary>
    public static void ClientClosed(bool tls) =>
        ClientCloses.Add(1, new KeyValuePair<string, object?>("transport", tls ? "tls" : "tcp"));

    public static readonly Counter<long> CsiStates = Meter.CreateCounter<long>("xmpp.c2s.csi.states", "{nonza}", "XEP-0352 state changes from clients, by state (active, inactive)");
    public static readonly Counter<long> CsiFlushes = Meter.CreateCounter<long>("xmpp.c2s.csi.flushed", "{stanza}",
        "Presence held for an inactive client and then sent, by what released it (active, message, iq, presence, bytes)");
    public static readonly Counter<long> CsiSupersededPresence = Meter.CreateCounter<long>("xmpp.c2s.csi.superseded", "{stanza}",
        "Presence held for an inactive client that a newer presence from the same sender replaced, so it was never sent");

    public static readonly Counter<long> ShutdownCloses = Meter.CreateCounter<long>("xmpp.c2s.shutdown_closes", "{connection}",
        "Client streams a stopping c2s closed, by condition (system-shutdown, see-other-host) and whether the session was resumable (XEP-0198)");

    public static void ShutdownClose(string condition, bool resumable) =>
        ShutdownCloses.Add(1, new KeyValuePair<string, object?>("condition", condition), new KeyValuePair<string, object?>("resumable", resumable ? "true" : "false"));

    public static void CsiState(string state) => CsiStates.Add(1, new KeyValuePair<string, object?>("state", state));
    public static void CsiFlushed(string why, int count) => CsiFlushes.Add(count, new KeyValuePair<string, object?>("reason", why));
    public static void CsiSuperseded() => CsiSupersededPresence.Add(1);

    public static readonly Counter<long> StreamManagementEvents = Meter.CreateCounter<long>("xmpp.c2s.stream_management", "{event}",
        "XEP-0198 events, by event (enabled, resumed, resume-failed; duplicate: a numbered stanza from sm came twice and was dropped; gap: a numbered stanza from sm after a lost one, dropped; resend-asked: SM_RESEND sent to sm; resent-to-sm: a client stanza sent to sm again; unconfirmed-forgotten: C2s:StreamManagement:MaxUnconfirmedBytes passed; unrepairable: sm lacked a forgotten one, the stream was closed for a resumption)");

    public static void StreamManagement(string what) => StreamManagementEvents.Add(1, new KeyValuePair<string, object?>("event", what));

    public static readonly Counter<long> HeldStanzas = Meter.CreateCounter<long>("xmpp.c2s.held", "{stanza}",
        "Client stanzas that waited for sm (restarting, or unreachable after a router outage), by kind and outcome (held, released, refused: C2s:HeldStanzaBytes reached or the session ended, dropped, expired: C2s:SmGracePeriod passed)");
    public static readonly Counter<long> Reattaches = Meter.CreateCounter<long>("xmpp.c2s.reattached", "{session}",
        "Sessions re-established on sm after it lost them (START reattach), by outcome (started, done, failed)");
    public static readonly Counter<long> Resyncs = Meter.CreateCounter<long>("xmpp.c2s.resyncs", "{resync}", "Session resyncs with sm (SYNC) after it or the router came back, by outcome (done, failed)");
    public static readonly Counter<long> LinkFailures = Meter.CreateCounter<long>("xmpp.c2s.link.failed", "{frame}",
        "Frames the router link accepted but could not deliver to the router (waited longer than Router:OfflineQueueTimeout, or the link broke while writing them), by body; each was answered for");

    public static void Held(string kind, string outcome) =>
        HeldStanzas.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("outcome", outcome));
    public static void Reattached(string outcome) => Reattaches.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    private static readonly Counter<long> ShardMovesCounter = Meter.CreateCounter<long>("xmpp.c2s.shard.moves", "{session}", "Sessions moved to another sm shard because the live shard set changed");

    /// <summary>sm shards: sessions moved to another shard after the live set changed.</summary>
    public static void ShardMoves(int count)
    {
        if (count > 0) ShardMovesCounter.Add(count);
    }
    public static void Resynced(string outcome) => Resyncs.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
    public static void LinkFailed(Frame frame) => LinkFailures.Add(1, new KeyValuePair<string, object?>("body", frame.BodyCase.ToString()));

    /// <summary>The router link's request circuit breaker (0 closed, 1 open, 2 half-open, 3 isolated) and its queued bytes.</summary>
    public static void ObserveLink(Xmpp.Common.Link.RouterLink link)
    {
        Meter.CreateObservableGauge("xmpp.c2s.router.request_circuit", () => (int)link.RequestCircuit, "{state}",
            "State of the circuit breaker on requests to sm over the router link: 0 closed, 1 open, 2 half-open, 3 isolated");
        Meter.CreateObservableGauge("xmpp.c2s.router.queued_bytes", () => link.QueuedBytes, "By", "Bytes of frames waiting for the router (while the link is down, or written too slowly)");
    }
}
