using Microsoft.Extensions.Options;
using Xmpp.C2s.Connections;
using Xmpp.C2s.Sasl;
using Xmpp.C2s.Telemetry;
using Xmpp.Common.Link;
using Xmpp.Protos;

namespace Xmpp.C2s.Routing;

/// <summary>
/// This frontend's side of the router link: binds c2s/&lt;instance&gt;, sends session actions and
/// packets to sm, and hands what sm sends back to the connection it names.
/// </summary>
public sealed class SmConnector : BackgroundService, ISaslBackend
{
    private readonly ConnectionRegistry _registry;
    private readonly ILogger<SmConnector> _logger;
    private volatile bool _smUp;
    private readonly C2sOptions _options;
    private readonly SessionResync _resync;
    private CancellationTokenSource? _resyncCts;
    private CancellationToken _stopping;
    private int _resyncs; // running
    private static readonly TimeSpan RetryHeldAfter = TimeSpan.FromSeconds(2);

    public SmConnector(IOptions<C2sOptions> options, IOptions<RouterLinkOptions> linkOptions, ConnectionRegistry registry, ILogger<SmConnector> logger)
    {
        _registry = registry;
        _logger = logger;
        SmAddress = "sm/" + options.Value.Domain;
        AuthFailures = new AddressBackoff(options.Value);
        Registrations = new Registration.RegistrationLimiter(options.Value.Registration);
        Link = new RouterLink(["c2s/" + options.Value.InstanceId], linkOptions.Value, logger, OnFrameAsync);
        Link.FrameFailed += OnFrameFailed;
        _options = options.Value;
        _resync = new SessionResync(this, registry, logger);
        C2sTelemetry.ObserveLink(Link);
    }

    public RouterLink Link { get; }

    /// <summary>Where session actions for our domain go until sm's started names the owning instance.</summary>
    public string SmAddress { get; }

    /// <summary>Failed SASL attempts per client address, shared by every connection of this frontend.</summary>
    public AddressBackoff AuthFailures { get; }

    /// <summary>In-band registrations per client address, shared by every connection of this frontend.</summary>
    public Registration.RegistrationLimiter Registrations { get; }

    /// <summary>Whether the router says an sm for our domain is linked.</summary>
    public bool SmAvailable => _smUp;

    /// <summary>sm shards: the live shards of our domain (protos/router.proto, "sm shards").</summary>
    private readonly SmShards _shards = new();

    /// <summary>
    /// A shard of our domain came or went. Gone: the sessions it served re-attach to "sm/&lt;domain&gt;",
    /// where the router gives each to its new owner (nobody else is touched). Joined: the sessions
    /// whose account it owns now move there. With no shard left, the clients' stanzas wait as for an sm restart.
    /// </summary>
    private void OnShard(string address, string shard, bool up)
    {
        if (!_shards.Changed(shard, up)) return;
        _smUp = _shards.Count > 0;
        _logger.LogInformation("Session manager shard {Address} is {State}; live shards: {Shards}", address, up ? "up" : "down", string.Join(",", _shards.Live));
        var moved = 0;
        foreach (var connection in _registry.Enumerate())
        {
            if (connection.Account is not { } account || connection.SmOwner.Length == 0) continue;
            if (!_smUp)
            {
                connection.HoldForSm();
                continue;
            }
            if (!up && connection.SmOwner == address)
            {
                connection.Reattach();
                moved++;
            }
            else if (up && _shards.OwnerAddress(SmAddress, account) is { } owner && owner != connection.SmOwner)
            {
                if (_shards.IsLive(SmAddress, connection.SmOwner)) connection.MoveShard();
                else connection.Reattach();
                moved++;
            }
        }
        if (moved > 0) _logger.LogInformation("{Count} sessions move to another shard after {Address} went {State}", moved, address, up ? "up" : "down");
        C2sTelemetry.ShardMoves(moved);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        return Task.WhenAll(Link.RunAsync(stoppingToken), EndOverdueHoldsAsync(stoppingToken));
    }

    /// <summary>On stop (after the listener closed the client streams): the ENDs they caused go out before the link closes.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!await Link.FlushAsync(TimeSpan.FromSeconds(1)))
            _logger.LogWarning("Stopping: {Bytes} bytes of frames were not taken by the router link", Link.QueuedBytes);
        await base.StopAsync(cancellationToken);
    }

    /// <summary>Sessions whose stanzas waited for sm longer than C2s:SmGracePeriod end (the client is told).</summary>
    private async Task EndOverdueHoldsAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
                foreach (var connection in _registry.Enumerate())
                    if (connection.Holding && connection.HoldingFor > _options.SmGracePeriod)
                    {
                        _logger.LogWarning("Connection {Id}: the session manager did not come back within {Grace}; closing", connection.Id, _options.SmGracePeriod);
                        C2sTelemetry.Held("session", "expired");
                        connection.GiveUpOnSm("the session manager is not available");
                    }
                    else if (connection.Holding && _smUp && Volatile.Read(ref _resyncs) == 0 && !connection.Reattaching && !connection.Moving && connection.HoldingFor > RetryHeldAfter)
                    {
                        // Returned by the router after the resync settled it: sm is up, so try again (held again if it bounces).
                        connection.ResumeWithSm();
                    }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>A frame the router link accepted but could not deliver to the router (it waited too long, or the link broke under it): answered for, logged (by the link) and counted.</summary>
    private void OnFrameFailed(Frame frame, string reason)
    {
        C2sTelemetry.LinkFailed(frame);
        switch (frame.BodyCase)
        {
            case Frame.BodyOneofCase.Packet when frame.Packet.Undelivered:
                _logger.LogWarning("A {Kind} stanza c2s was returning to sm is lost: {Reason}", frame.Packet.Kind, reason);
                break;
            case Frame.BodyOneofCase.Packet:
                _registry.Find(frame.Packet.C2SSession)?.OnLinkFailed(frame);
                break;
            case Frame.BodyOneofCase.Session when frame.Session.Action == Session.Types.Action.Start:
                if (_registry.Find(frame.Session.C2SSession) is { } connection && !connection.TryFailReattach(frame.Session.RequestId, "router-unavailable"))
                    connection.OnStartFailed(frame.Session.RequestId, "router-unavailable");
                break;
        }
    }

    public bool Send(Frame frame) => Link.Send(frame);

    public Task<Frame> RequestAsync(Session session, string to, CancellationToken ct) =>
        Link.RequestAsync(new Frame { To = to, Session = session }, ct);

    /// <summary>Has sm check one SASL step (AUTH, protos/router.proto); the answer holds no key.</summary>
    public async Task<SaslAnswer> CheckAsync(string bareJid, SaslStep step, CancellationToken ct)
    {
        try
        {
            var answer = await RequestAsync(new Session { Action = Session.Types.Action.Auth, Target = bareJid, Sasl = step }, SmAddress, ct);
            var session = answer.Session;
            C2sTelemetry.SessionAnswer(answer);
            if (session is { Failed: false, Action: Session.Types.Action.Authed })
                return new SaslAnswer(SaslVerdict.Ok, session.SaslResult ?? new SaslResult());
            switch (session?.Reason)
            {
                case "not-authorized": return new SaslAnswer(SaslVerdict.Failed);
                case "account-locked": return new SaslAnswer(SaslVerdict.Locked);
                case "credentials-expired": return new SaslAnswer(SaslVerdict.Expired);
                default:
                    _logger.LogWarning("SASL {Step} check failed: {Reason}", step.Step, session?.Reason ?? answer.RouteError?.Reason);
                    return SaslAnswer.Unavailable;
            }
        }
        catch (Exception e) when (e is IOException or TimeoutException)
        {
            _logger.LogWarning("SASL {Step} check failed: {Error}", step.Step, e.Message);
            return SaslAnswer.Unavailable;
        }
    }

    private ValueTask OnFrameAsync(Frame frame)
    {
        switch (frame.BodyCase)
        {
            case Frame.BodyOneofCase.Packet:
                OnPacket(frame);
                break;
            case Frame.BodyOneofCase.Session:
                OnSession(frame);
                break;
            case Frame.BodyOneofCase.Component:
                OnComponent(frame.Component);
                break;
        }
        return default;
    }

    private void OnPacket(Frame frame)
    {
        using var span = C2sTelemetry.StanzaDelivering(frame); // child of the router's span
        var packet = frame.Packet;
        var connection = _registry.Find(packet.C2SSession);
        if (frame.RouteError is { Code: not RouteError.Types.Code.RouteErrorNone } error)
        {
            RouteErrorHandling.OnReturned(packet, error, connection, _logger);
            if (error.Code != RouteError.Types.Code.RouteCongested && !packet.Undelivered)
            {
                // sm is away (restarting, or not linked again yet after a router restart): the stanza waits for it.
                C2sTelemetry.NotDelivered(span, "sm unreachable");
                if (connection is not null) connection.HoldReturned(frame);
                else _logger.LogWarning("A {Kind} stanza sm could not take is dropped: its connection {Connection} is gone", packet.Kind, packet.C2SSession);
            }
            return;
        }
        if (connection is null || !connection.OwnsSmSession(packet.SmSession))
        {
            if (packet.HasSmSeq)
            {
                // XEP-0198: sm keeps the stanza; the session loses its gone connection and waits for a resumption.
                C2sTelemetry.NotDelivered(span, "unknown session");
                Send(new Frame { To = frame.From, Session = new Session { Action = Session.Types.Action.Detach, C2SSession = packet.C2SSession, SmSession = packet.SmSession } });
                return;
            }
            // Self-healing: sm holds a session we no longer have; tell it to end it, and give it back the stanza.
            C2sTelemetry.NotDelivered(span, "unknown session");
            Send(new Frame { To = frame.From, Session = new Session { Action = Session.Types.Action.End, C2SSession = packet.C2SSession, SmSession = packet.SmSession } });
            packet.Undelivered = true;
            var returned = Send(new Frame { To = frame.From, Packet = packet });
            C2sTelemetry.ReturnedToSm(packet.Kind, returned);
            if (!returned) _logger.LogWarning("A {Kind} stanza for gone connection {Connection} could not be returned to sm; lost", packet.Kind, packet.C2SSession);
            return;
        }
        if (_logger.IsEnabled(LogLevel.Debug))
            _logger.LogDebug("Delivering a {Kind} stanza ({Bytes} bytes) to connection {Connection}", packet.Kind, packet.Stanza.Length, packet.C2SSession);
        C2sTelemetry.Delivered(packet);
        connection.DeliverFromSm(packet);
    }

    private void OnSession(Frame frame)
    {
        C2sTelemetry.SessionAnswer(frame);
        var session = frame.Session;
        var connection = _registry.Find(session.C2SSession);
        switch (session.Action)
        {
            case Session.Types.Action.Ended:
                if (connection is not null && connection.OwnsSmSession(session.SmSession) && !connection.TryMovedEnded(session.SmSession)) // sm shards: a move's END answered
                    connection.OnEndedBySm(session.Failed ? "unknown-session" : session.Reason);
                break;
            case Session.Types.Action.Started:
                // Accepted here, on the link's reader, so that packets sm sends right after
                // started already find the session.
                if (connection is null || !(connection.TryAcceptStarted(session.RequestId, session.SmSession, frame.From) ||
                                            connection.TryAcceptReattached(session.RequestId, session.SmSession, frame.From)))
                    Send(new Frame { To = frame.From, Session = new Session { Action = Session.Types.Action.End, C2SSession = session.C2SSession, SmSession = session.SmSession } });
                break;
            case Session.Types.Action.Start when session.Failed:
                if (connection is not null && !connection.TryFailReattach(session.RequestId, session.Reason))
                    connection.OnStartFailed(session.RequestId, session.Reason);
                break;
            // XEP-0198, on the link's reader so that what follows on the link finds the stream ready:
            case Session.Types.Action.SmEnabled:
                if (connection is not null && connection.OwnsSmSession(session.SmSession)) connection.OnSmEnabled(session);
                break;
            case Session.Types.Action.SmEnable when session.Failed:
                if (connection is not null && connection.OwnsSmSession(session.SmSession)) connection.OnSmEnableFailed(session.Reason);
                break;
            case Session.Types.Action.SmAnswer:
                if (connection is not null && connection.OwnsSmSession(session.SmSession)) connection.OnSmAnswer(session);
                break;
            case Session.Types.Action.SmResend:
                if (connection is not null && connection.OwnsSmSession(session.SmSession)) connection.OnSmResendRequested(session.SmH);
                break;
            case Session.Types.Action.Resumed:
                // Resumed for a connection that is gone meanwhile: the session waits for the next resumption.
                if (connection is null || !connection.TryAcceptResumed(session, frame.From))
                    Send(new Frame { To = frame.From, Session = new Session { Action = Session.Types.Action.Detach, C2SSession = session.C2SSession, SmSession = session.SmSession } });
                break;
            case Session.Types.Action.Resume when session.Failed:
                connection?.OnResumeFailed(session.RequestId, session.Reason);
                break;
        }
    }

    private void OnComponent(ComponentEvent component)
    {
        if (Common.Shards.SmShardAddress.TryParse(component.Address, out var domain, out var shard) && domain == SmAddress)
        {
            OnShard(component.Address, shard, component.Up);
            return;
        }
        if (component.Address != SmAddress) return;
        _smUp = component.Up;
        _logger.LogInformation("Session manager {Address} is {State}", component.Address, component.Up ? "up" : "down");
        var previous = Interlocked.Exchange(ref _resyncCts, null);
        previous?.Cancel(); // not disposed: its resync may still look at the token
        if (!component.Up)
        {
            // Clients stay connected; their stanzas wait for sm (at most C2s:SmGracePeriod).
            foreach (var connection in _registry.Enumerate()) connection.HoldForSm();
            return;
        }
        // sm is (back) up: it may be a new sm, or the same one after a router outage. Either way, state our sessions.
        var cts = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
        _resyncCts = cts;
        Interlocked.Increment(ref _resyncs);
        _ = Task.Run(async () =>
        {
            try
            {
                await _resync.RunAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                // a newer event started another resync, or c2s is stopping
            }
            finally
            {
                Interlocked.Decrement(ref _resyncs);
            }
        }, CancellationToken.None);
    }
}
