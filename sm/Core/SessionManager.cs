using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Xmpp.Common.Telemetry;
using Xmpp.Protos;
using Xmpp.Sm.Modules;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Sessions;
using Xmpp.Sm.Storage;
using Xmpp.Sm.Telemetry;

namespace Xmpp.Sm.Core;

/// <summary>
/// The session manager's protocol core: takes one frame at a time and emits the frames it causes
/// to an <see cref="IFrameSink"/>. It owns no I/O and no threads; the host feeds it from a single
/// consumer, so its state needs no locks (Prosody-style). Tests drive it directly.
/// </summary>
public sealed class SessionManager
{
    private readonly SmOptions _options;
    private readonly Outbox _outbox;
    private readonly SessionLifecycle _lifecycle;
    private readonly SessionActions _actions;
    private readonly PacketIntake _intake;
    private readonly ReturnedPackets _returned;
    private readonly StreamManagement.StreamManagementService _streams;
    private readonly C2sLinks _c2sLinks;
    private readonly ComponentIntake _components;
    private readonly ShardHopIntake _hops;
    private readonly ShardView _shards;
    private readonly ILogger _logger;

    /// <summary>
    /// Not a frame from the router: the host hands this one in about once a second, so that work
    /// due by time runs on the single consumer (XEP-0198 resumption timeouts, <see cref="C2sLinks.Tick"/>, frames the link failed).
    /// </summary>
    public static readonly Frame TickFrame = new();

    /// <summary>Fed by the host when sm's router link is up again (before any frame of the new link).</summary>
    public static readonly Frame RelinkedFrame = new();

    /// <param name="modules">The modules to load; <see cref="ModuleList.Create"/> unless given (tests add their own).</param>
    /// <param name="configuration">The process's configuration, where modules read their sections (<see cref="SmContext.Settings{T}"/>).</param>
    public SessionManager(SmOptions options, SmStorage storage, IFrameSink sink, ILoggerFactory logs, TimeProvider? clock = null,
        Func<SmContext, IReadOnlyList<IModule>>? modules = null, IConfiguration? configuration = null)
    {
        _options = options;
        _logger = logs.CreateLogger<SessionManager>();
        _outbox = new Outbox(sink, options.Address);
        Sessions = new SessionTable();
        Hooks = new HookTable(logs.CreateLogger<HookTable>());
        _outbox.Filters = Hooks;
        _lifecycle = new SessionLifecycle(Sessions, Hooks, _outbox, logs.CreateLogger<SessionLifecycle>());

        var accounts = new AccountAdmin(options, Sessions, _lifecycle, storage, Hooks, _outbox, logs.CreateLogger<AccountAdmin>());
        var context = new SmContext(options, Sessions, storage, Hooks, _outbox, clock ?? TimeProvider.System, logs, configuration, accounts);
        Modules = (modules ?? ModuleList.Create)(context);
        foreach (var module in Modules) module.Load(Hooks);
        var moduleData = new ModuleData(Modules, storage, Hooks, logs.CreateLogger<ModuleData>());
        moduleData.Migrate(); // the modules' tables, before any frame is handled
        accounts.Data = moduleData;

        var auth = Auth.AuthActions.Create(options, storage.Accounts, clock ?? TimeProvider.System, logs,
            Modules.OfType<Xmpp.Sm.Modules.Fast.FastModule>().FirstOrDefault()?.Tokens);
        _actions = new SessionActions(options, Sessions, _lifecycle, storage.Accounts, accounts, auth, _outbox, logs.CreateLogger<SessionActions>());
        var components = new ComponentDomains();
        Hooks.On<ComponentChanged>(change => components.Changed(change.Address, change.Up));
        var router = new StanzaRouter(context, logs.CreateLogger<StanzaRouter>(), components);
        _components = new ComponentIntake(context, components, logs.CreateLogger<ComponentIntake>());
        _returned = new ReturnedPackets(context, logs.CreateLogger<ReturnedPackets>());
        _shards = context.Shards;
        _outbox.Shards = _shards;
        _hops = new ShardHopIntake(context, _returned, logs.CreateLogger<ShardHopIntake>());
        _streams = new StreamManagement.StreamManagementService(options.StreamManagement, Sessions, _lifecycle, Hooks, _outbox, _returned,
            clock ?? TimeProvider.System, logs.CreateLogger<StreamManagement.StreamManagementService>(), storage.Streams, options.C2sGracePeriod);
        _outbox.Streams = _streams;
        _actions.Streams = _streams;
        _intake = new PacketIntake(Sessions, _lifecycle, router, _outbox, logs.CreateLogger<PacketIntake>(), _returned, _streams);
        _c2sLinks = new C2sLinks(options, Sessions, _lifecycle, _outbox, _returned, _streams, clock ?? TimeProvider.System, logs.CreateLogger<C2sLinks>());
    }

    /// <summary>XEP-0198 state of the sessions (detached sessions, timeouts).</summary>
    public StreamManagement.StreamManagementService StreamManagement => _streams;

    public SessionTable Sessions { get; }
    public HookTable Hooks { get; }
    public IReadOnlyList<IModule> Modules { get; }

    /// <summary>
    /// Handles one frame from the router, then writes the XEP-0198 stream state it changed (in the
    /// caller's group commit, with the frame's effects). Throws only when that write fails (storage
    /// is broken: sm stops, as for a failed commit); one bad frame must not stop sm.
    /// </summary>
    public void Handle(Frame frame)
    {
        HandleFrame(frame);
        _streams.Persist();
    }

    private void HandleFrame(Frame frame)
    {
        if (ReferenceEquals(frame, TickFrame))
        {
            try
            {
                while (_failedByLink.TryDequeue(out var failed)) OnLinkFailed(failed);
                _c2sLinks.Tick();
                _streams.Expire();
                _shards.SendAcks();
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Time-based work (failed frames, c2s grace periods, timed-out detached sessions) failed");
            }
            return;
        }
        if (ReferenceEquals(frame, RelinkedFrame))
        {
            _c2sLinks.OnRelinked();
            return;
        }
        // One span per frame, child of the router's; the frames it causes carry this span's context.
        using var activity = SmTelemetry.StartHandle(frame);
        _outbox.CurrentTrace = activity is null ? frame.Trace : FrameTrace.ContextOf(activity);
        try
        {
            if (IsBounce(frame))
            {
                Undeliverable(frame);
                return;
            }
            switch (frame.BodyCase)
            {
                case Frame.BodyOneofCase.Session when Xmpp.Sm.StreamManagement.StreamManagementService.Handles(frame.Session.Action): _streams.Handle(frame); break;
                case Frame.BodyOneofCase.Session when frame.Session.Action == Session.Types.Action.Sync: _c2sLinks.OnSync(frame); break;
                case Frame.BodyOneofCase.Session: _actions.Handle(frame); break;
                // A hop only from another shard (the router lets no other role send one).
                case Frame.BodyOneofCase.Packet when frame.Packet.Hop is { Kind: not ShardHop.Types.Kind.HopNone } && frame.From.StartsWith(Xmpp.Common.Shards.SmShardAddress.Prefix, StringComparison.Ordinal): _hops.Handle(frame); break;
                case Frame.BodyOneofCase.Packet when ComponentDomains.DomainOf(frame.From) is not null: _components.Handle(frame); break;
                case Frame.BodyOneofCase.Packet: _intake.Handle(frame); break;
                case Frame.BodyOneofCase.Component: OnComponent(frame.Component); break;
                default: _logger.LogDebug("Ignored a {Kind} frame from {From}", frame.BodyCase, frame.From); break;
            }
        }
        catch (Exception e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            _logger.LogError(e, "Handling a {Kind} frame from {From} failed", frame.BodyCase, frame.From);
        }
        finally
        {
            EndOverflowed();
            _outbox.CurrentTrace = null;
        }
    }

    private void EndOverflowed()
    {
        try
        {
            _streams.EndOverflowed();
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Ending sessions past Sm:StreamManagement:MaxUnackedBytes failed");
        }
    }

    /// <summary>Ends every session, telling their c2s "system-shutdown" when configured to.</summary>
    public int Shutdown()
    {
        var all = Sessions.All.ToArray();
        _lifecycle.EndAll(all, EndReasons.SystemShutdown, tellC2s: _options.EndSessionsOnShutdown);
        _streams.Persist();
        return all.Length;
    }

    /// <summary>
    /// Modules hear of every component; a c2s the router says left takes its sessions with it,
    /// nobody is left to tell, except the resumable ones (XEP-0198), which are detached and wait for
    /// their clients to resume on another c2s; a router restart ends nothing (see <see cref="C2sLinks"/>).
    /// </summary>
    private void OnComponent(ComponentEvent change)
    {
        // Caches keyed by account live only while the account has sessions here, so they go with sessions that move.
        if (_shards.Changed(change.Address, change.Up))
            _logger.LogInformation("Shard {Address} is {State}: live shards {Shards}", change.Address, change.Up ? "up" : "down", string.Join(",", _shards.Live));
        Hooks.Raise(new ComponentChanged(change.Address, change.Up));
        _c2sLinks.OnComponent(change);
    }

    /// <summary>
    /// The router returns a frame it could not deliver with route_error set; a session answer may
    /// also come back just marked failed. Answers are never requests, so they are never answered.
    /// </summary>
    private static bool IsBounce(Frame frame) =>
        frame.RouteError is { Code: not RouteError.Types.Code.RouteErrorNone } ||
        (frame.Session is { Failed: true } s && s.Action is Session.Types.Action.Started or Session.Types.Action.Ended);

    /// <summary>
    /// A frame of ours the router could not deliver. A session whose c2s can't be reached is
    /// over; nothing is answered, so a failure can never bounce back and forth.
    /// </summary>
    private void Undeliverable(Frame frame)
    {
        if (frame.BodyCase == Frame.BodyOneofCase.Packet && frame.Packet.Hop is { Kind: not ShardHop.Types.Kind.HopNone })
        {
            _hops.Returned(frame);
            return;
        }
        if (_c2sLinks.TryHold(frame)) return; // for a c2s not linked again yet after a router restart: it waits
        var (c2sSession, smSession) = frame.BodyCase switch
        {
            Frame.BodyOneofCase.Packet => (frame.Packet.C2SSession, frame.Packet.SmSession),
            Frame.BodyOneofCase.Session => (frame.Session.C2SSession, frame.Session.SmSession),
            _ => ("", ""),
        };
        _logger.LogDebug("Router could not deliver a {Kind} frame for session {Session}: {Code} {Reason}",
            frame.BodyCase, smSession, frame.RouteError?.Code, frame.RouteError?.Reason ?? frame.Session?.Reason);
        // A congested c2s is still there: its session lives on, only this stanza did not get through.
        var congested = frame.RouteError?.Code == RouteError.Types.Code.RouteCongested;
        // (The router returns a frame from the address it was for; connection ids repeat across c2s instances.)
        if (!congested && Sessions.Find(smSession) is { } session && session.IsOwnedBy(frame.From, c2sSession) && !_streams.Detach(session, "route-failed"))
            _lifecycle.End(session, EndReasons.RouteFailed, tellC2s: false);
        // A numbered packet (XEP-0198) stays in its session's queue: sent again on resumption, or handled when the session ends.
        if (frame.BodyCase == Frame.BodyOneofCase.Packet && !frame.Packet.Undelivered && !frame.Packet.HasSmSeq)
            _returned.Handle(frame.Packet, $"the router returned it: {FrameTrace.CodeName(frame.RouteError?.Code ?? RouteError.Types.Code.RouteErrorNone)}");
    }

    /// <summary>
    /// A frame sm's router link would not take (down, or its queue full): counted, and a stanza for
    /// a client handled as undelivered (a message goes to offline storage). Called by the host's sink.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentQueue<Frame> _failedByLink = new();

    /// <summary>
    /// Thread-safe: a frame sm's router link had accepted but could not get to the router (it
    /// waited longer than Router:OfflineQueueTimeout, or the link broke while writing it). Handled
    /// at the next <see cref="TickFrame"/> like a frame the link would not take.
    /// </summary>
    public void LinkFailed(Frame frame) => _failedByLink.Enqueue(frame);

    private void OnLinkFailed(Frame frame)
    {
        SmTelemetry.LinkFailed(frame);
        // A numbered packet stays in its session's queue (XEP-0198): sent again on resumption, or handled when the session ends.
        if (frame.BodyCase == Frame.BodyOneofCase.Packet && !frame.Packet.Undelivered && !frame.Packet.HasSmSeq)
            _returned.Handle(frame.Packet, "sm's router link could not deliver it");
    }

    public void OnNotSent(Frame frame)
    {
        SmTelemetry.LinkRefused(frame);
        // A numbered packet stays in its session's queue (c2s sees the gap in the numbers and closes the stream for a resumption).
        if (frame.BodyCase == Frame.BodyOneofCase.Packet && !frame.Packet.Undelivered && !frame.Packet.HasSmSeq)
            _returned.Handle(frame.Packet, "sm's router link would not take it");
    }
}
