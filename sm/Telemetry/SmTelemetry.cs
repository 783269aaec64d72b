using System.Diagnostics;
using System.Diagnostics.Metrics;
using Xmpp.Common.Telemetry;
using Xmpp.Protos;

namespace Xmpp.Sm.Telemetry;

/// <summary>
/// sm's spans and metrics. One "handle packet" / "handle session" span per frame from the router,
/// child of the frame's trace (the router's span); every frame sm emits while handling it carries
/// this span's context, so the deliveries it causes continue the same trace. The span names the
/// module whose handler took the stanza (<see cref="OnHandled"/>).
/// Metrics: sessions, stanzas in/out by kind, failed actions, route errors.
/// </summary>
public static class SmTelemetry
{
    public const string Name = "Xmpp.Sm";
    public const string ServiceName = "xmpp-sm";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    private static int _sessions;
    private static int _linked;

    public static readonly Counter<long> StanzasIn = Meter.CreateCounter<long>("xmpp.sm.stanzas.in", "{stanza}", "Stanzas received from c2s, by kind");
    public static readonly Counter<long> StanzasOut = Meter.CreateCounter<long>("xmpp.sm.stanzas.out", "{stanza}", "Stanzas sent to c2s for delivery, by kind");
    public static readonly Counter<long> FailedActions = Meter.CreateCounter<long>("xmpp.sm.failed_actions", "{action}", "Session actions answered as failed, by action and reason");
    public static readonly Counter<long> OfflineRefused = Meter.CreateCounter<long>("xmpp.sm.offline.refused", "{message}", "Messages offline storage refused because the account's store was full, by reason (messages, bytes)");
    public static readonly Counter<long> RouteErrors = Meter.CreateCounter<long>("xmpp.sm.route_errors", "{frame}", "Frames of sm's that the router could not deliver");
    public static readonly Counter<long> AuthFailures = Meter.CreateCounter<long>("xmpp.sm.auth_failures", "{attempt}", "Failed SASL steps checked by sm (wrong proof or password, abort), by step");
    public static readonly Counter<long> AuthRefusals = Meter.CreateCounter<long>("xmpp.sm.auth_refusals", "{attempt}", "SASL steps refused because the account name is locked, by step");
    public static readonly Counter<long> RegistrationRefusals = Meter.CreateCounter<long>("xmpp.sm.registration.refused", "{request}",
        "XEP-0077 requests refused, by reason (disabled: a c2s asked to create an account while Sm:Registration:Enabled is off; reserved: the name was deleted within Sm:Registration:ReservedAfterDelete)");
    public static readonly Counter<long> AdHocRefusals = Meter.CreateCounter<long>("xmpp.sm.adhoc.refused", "{request}",
        "XEP-0050 command requests refused, by reason (forbidden: not an admin; sessions: too many open sessions; expired, unknown, bad-action)");
    public static readonly Counter<long> AuthLockouts = Meter.CreateCounter<long>("xmpp.sm.auth_lockouts", "{lockout}", "Failures that locked an account name for a back-off");
    public static readonly Counter<long> AuthStaleIterationLogins = Meter.CreateCounter<long>("xmpp.sm.auth_stale_iterations", "{login}", "Logins whose keys have another PBKDF2 count than Sm:ScramIterations and were not re-derived (SCRAM logins cannot be), by mechanism");
    public static readonly Counter<long> AuthRehashes = Meter.CreateCounter<long>("xmpp.sm.auth_rehashed", "{login}", "PLAIN logins whose keys were re-derived at Sm:ScramIterations");
    public static readonly Counter<long> AuthUpgrades = Meter.CreateCounter<long>("xmpp.sm.auth_upgraded", "{mechanism}", "Keys re-derived at Sm:ScramIterations through a XEP-0480 SASL2 SCRAM upgrade task, by mechanism");
    public static readonly Counter<long> AuthRehashRefusals = Meter.CreateCounter<long>("xmpp.sm.auth_rehash_refused", "{login}", "Re-derived keys sm ignored, by reason (malformed, not-stale, changed)");

    public static readonly Counter<long> Undelivered = Meter.CreateCounter<long>("xmpp.sm.undelivered", "{stanza}",
        "Stanzas sm sent for a client that never reached it (returned by c2s or the router, or refused by sm's link), by kind and outcome: offline, error (the sender was told), dropped");
    public static readonly Counter<long> NotSent = Meter.CreateCounter<long>("xmpp.sm.not_sent", "{frame}",
        "Frames sm's router link would not take (down, or its queue full), by body");
    public static readonly Counter<long> StanzaErrors = Meter.CreateCounter<long>("xmpp.sm.stanza_errors", "{stanza}",
        "Stanzas sm refused with a stanza error to their sender (every module's refusals), by kind and condition");

    public static readonly Counter<long> HeldFrames = Meter.CreateCounter<long>("xmpp.sm.held_for_c2s", "{frame}",
        "Frames for a c2s that had not linked again yet after a router restart, by outcome (held, released, refused: Sm:MaxHeldFramesPerC2s reached, expired: it did not come back within Sm:C2sGracePeriod, handled as undelivered)");
    public static readonly Counter<long> ResyncedSessions = Meter.CreateCounter<long>("xmpp.sm.resync.sessions", "{session}",
        "Sessions a c2s resync (SYNC) found out of step, by outcome (ended: sm held it, c2s did not; unknown: c2s held it, sm did not, so c2s re-attaches it)");
    public static readonly Counter<long> LinkFailures = Meter.CreateCounter<long>("xmpp.sm.link.failed", "{frame}",
        "Frames sm's router link accepted but could not get to the router (waited longer than Router:OfflineQueueTimeout, or the link broke while writing them), by body; handled as undelivered");
    private static Func<int>? _circuit;
    public static readonly Counter<long> UnknownSessionPackets = Meter.CreateCounter<long>("xmpp.sm.unknown_session_packets", "{stanza}",
        "Packets from c2s for a session sm does not hold (after an sm restart, before c2s re-attached it; or a session sm ended), dropped and answered ENDED unknown-session, by kind");
    public static void UnknownSessionPacket(string kind) => UnknownSessionPackets.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Kind, kind));

    public static void HeldForC2s(string outcome) => HeldFrames.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
    public static void Resynced(int ended, int unknown)
    {
        if (ended > 0) ResyncedSessions.Add(ended, new KeyValuePair<string, object?>("outcome", "ended"));
        if (unknown > 0) ResyncedSessions.Add(unknown, new KeyValuePair<string, object?>("outcome", "unknown"));
    }
    public static void LinkFailed(Frame frame) => LinkFailures.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Body, FrameTrace.KindOf(frame)));

    /// <summary>Where the request circuit breaker gauge reads its state (0 closed, 1 open, 2 half-open, 3 isolated).</summary>
    public static void ObserveCircuit(Func<int> state) => _circuit = state;

    static SmTelemetry()
    {
        Meter.CreateObservableGauge("xmpp.sm.router.request_circuit", () => _circuit?.Invoke() ?? 0, "{state}",
            "State of the circuit breaker on sm's requests over the router link: 0 closed, 1 open, 2 half-open, 3 isolated");
        Meter.CreateObservableUpDownCounter("xmpp.sm.sessions", () => Volatile.Read(ref _sessions), "{session}", "Live sessions");
        Meter.CreateObservableUpDownCounter("xmpp.sm.router_link", () => Volatile.Read(ref _linked), "{link}", "1 while the router link is up");
    }

    public static void AuthFailed(string step) => AuthFailures.Add(1, new KeyValuePair<string, object?>("step", step));
    public static void AuthRefused(string step) => AuthRefusals.Add(1, new KeyValuePair<string, object?>("step", step));
    public static void AuthLocked() => AuthLockouts.Add(1);
    public static void AuthStaleIterations(string mechanism) => AuthStaleIterationLogins.Add(1, new KeyValuePair<string, object?>("mechanism", mechanism));
    public static void AuthRehashed() => AuthRehashes.Add(1);
    public static void AuthUpgraded(string mechanism) => AuthUpgrades.Add(1, new KeyValuePair<string, object?>("mechanism", mechanism));
    public static void AuthRehashRefused(string reason) => AuthRehashRefusals.Add(1, new KeyValuePair<string, object?>("reason", reason));
    public static void RegistrationRefused(string reason) => RegistrationRefusals.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Reason, reason));
    public static void AdHocRefused(string reason) => AdHocRefusals.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Reason, reason));

    public static readonly Counter<long> ComponentDrops = Meter.CreateCounter<long>("xmpp.sm.component.dropped", "{stanza}",
        "Stanzas from service components that sm dropped, by reason (unparsable, foreign-from, not-a-stanza, subscription, undeliverable)");

    public static void ComponentDropped(string reason) => ComponentDrops.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Reason, reason));

    public static void Undeliverable(string kind, string outcome) =>
        Undelivered.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Kind, kind), new KeyValuePair<string, object?>("outcome", outcome));

    public static void Refused(string kind, string condition) =>
        StanzaErrors.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Kind, kind), new KeyValuePair<string, object?>("condition", condition));

    public static void LinkRefused(Frame frame) =>
        NotSent.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Body, FrameTrace.KindOf(frame)));

    public static void SetSessions(int count) => Volatile.Write(ref _sessions, count);
    public static void SetLinked(bool up) => Volatile.Write(ref _linked, up ? 1 : 0);

    /// <summary>Starts the span of one frame from the router; counts incoming stanzas and route errors.</summary>
    public static Activity? StartHandle(Frame frame)
    {
        if (frame.BodyCase == Frame.BodyOneofCase.Packet && frame.RouteError is not { Code: not RouteError.Types.Code.RouteErrorNone })
            StanzasIn.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Kind, frame.Packet.Kind));
        if (frame.RouteError is { Code: not RouteError.Types.Code.RouteErrorNone } error)
            RouteErrors.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Code, FrameTrace.CodeName(error.Code)));

        if (!Source.HasListeners()) return null;
        var activity = FrameTrace.StartFrom(Source, frame.BodyCase switch
        {
            Frame.BodyOneofCase.Packet => "handle packet",
            Frame.BodyOneofCase.Session => "handle session",
            Frame.BodyOneofCase.Component => "handle component",
            _ => "handle",
        }, ActivityKind.Consumer, frame);
        FrameTrace.Describe(activity, frame);
        return activity;
    }

    /// <summary>
    /// Called by the hook table when a handler took a stanza: names the module on the current sm
    /// span. Nested hooks run first, so the outermost handler (e.g. delivery, which offered the
    /// message to offline storage) is the one the span keeps.
    /// </summary>
    public static void OnHandled(string hook, string module)
    {
        if (Activity.Current is not { IsAllDataRequested: true } activity || activity.Source != Source) return;
        activity.SetTag(TelemetryTags.SmModule, module);
        activity.SetTag(TelemetryTags.SmHook, hook);
    }

    /// <summary>Counts a frame sm sends: stanzas out by kind, failed session actions by action and reason.</summary>
    public static void Sent(Frame frame)
    {
        switch (frame.BodyCase)
        {
            case Frame.BodyOneofCase.Packet:
                StanzasOut.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Kind, frame.Packet.Kind));
                break;
            case Frame.BodyOneofCase.Session when frame.Session.Failed:
                FailedActions.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Action, FrameTrace.ActionName(frame.Session.Action)),
                    new KeyValuePair<string, object?>(TelemetryTags.Reason, frame.Session.Reason));
                break;
        }
    }

    /// <summary>sm shards: hops handed to another shard, taken from one, sent again after their shard went away, or dropped (by kind and outcome).</summary>
    private static readonly Counter<long> ShardHops = Meter.CreateCounter<long>("xmpp.sm.shard.hops", "{packet}", "Packets handed between sm shards, by hop kind and outcome (sent, received, resent, undelivered, dropped)");

    public static void ShardHop(string kind, string outcome) =>
        ShardHops.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("outcome", outcome));
}
