using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Protos;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Sessions;
using Xmpp.Sm.Telemetry;

namespace Xmpp.Sm.Core;

/// <summary>
/// What sm knows of the c2s instances that own its sessions across router restarts (issue 20).
/// <list type="bullet">
/// <item>The router says a c2s left (its link dropped while the router stayed): its sessions end at once.</item>
/// <item>sm's own link dropped and came back (the router restarted): sessions are kept. Each c2s
///   owning sessions has Sm:C2sGracePeriod to show up again (the router announces it, or it sends
///   SYNC); until then frames the router returns for it (ROUTE_UNKNOWN) wait here (at most
///   Sm:MaxHeldFramesPerC2s) and go out when it is back; a c2s that does not come back loses its
///   sessions and what waited for it is handled as undelivered (messages to offline storage).</item>
/// <item>SYNC: a c2s states the sessions it holds; sm answers SYNCED with those it does not hold
///   (the c2s re-attaches them) and ends those of that c2s it holds that were not named.</item>
/// <item>A session with XEP-0198 resumption is never ended here: where others end, it is detached
///   (<see cref="StreamManagement.StreamManagementService.Detach"/>) and waits for its client to
///   resume, on any c2s; a detached session belongs to no c2s, so a SYNC does not name it.</item>
/// </list>
/// Used from sm's single consumer only.
/// </summary>
public sealed class C2sLinks(SmOptions options, SessionTable sessions, SessionLifecycle lifecycle, Outbox outbox, ReturnedPackets returned,
    StreamManagement.StreamManagementService streams, TimeProvider clock, ILogger logger)
{
    private readonly Dictionary<string, long> _awaiting = new(StringComparer.Ordinal); // c2s address -> when sm started waiting for it
    private readonly Dictionary<string, Queue<Frame>> _held = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _syncListed = new(StringComparer.Ordinal);
    private bool _routerStopping;

    public const string ResyncReason = "resync";

    /// <summary>sm's link to the router is up again: every c2s owning sessions must show up within the grace period.</summary>
    public void OnRelinked()
    {
        _routerStopping = false;
        var now = clock.GetTimestamp();
        foreach (var address in sessions.All.Where(s => s.Stream is not { Detached: true }).Select(s => s.C2sAddress).Distinct())
            _awaiting.TryAdd(address, now);
        if (_awaiting.Count > 0)
            logger.LogInformation("Router link back: waiting up to {Grace} for {Count} c2s ({C2s}) to link again", options.C2sGracePeriod, _awaiting.Count, string.Join(",", _awaiting.Keys));
    }

    /// <summary>A component event. True when it was about a c2s (handled here).</summary>
    public void OnComponent(ComponentEvent change)
    {
        if (change.Address == Xmpp.Common.Link.RouterLink.RouterEventAddress && !change.Up)
        {
            _routerStopping = true; // the links about to drop are a restart: nobody left
            return;
        }
        if (!change.Address.StartsWith("c2s/", StringComparison.Ordinal)) return;
        if (change.Up)
        {
            Back(change.Address);
            return;
        }
        if (_routerStopping) return; // the router unbinds everyone as it stops; the c2s did not leave
        _awaiting.Remove(change.Address);
        EndOrDetach(change.Address, "is down");
        FailHeld(change.Address, "its c2s left");
    }

    /// <summary>A frame of sm's the router returned: true if it waits here for a c2s that has not linked again yet.</summary>
    public bool TryHold(Frame frame)
    {
        if (frame.RouteError?.Code is not (RouteError.Types.Code.RouteUnknown or RouteError.Types.Code.RouteGone)) return false;
        var c2s = frame.From; // a returned frame comes from where it was going
        if (_routerStopping) _awaiting.TryAdd(c2s, clock.GetTimestamp()); // the router ended the c2s's link as it stops: it comes back with the next one
        if (!_awaiting.ContainsKey(c2s)) return false;
        if (!_held.TryGetValue(c2s, out var queue)) _held[c2s] = queue = new Queue<Frame>();
        if (queue.Count >= options.MaxHeldFramesPerC2s)
        {
            SmTelemetry.HeldForC2s("refused");
            return false;
        }
        frame.RouteError = null;
        frame.To = c2s;
        frame.From = "";
        queue.Enqueue(frame);
        SmTelemetry.HeldForC2s("held");
        return true;
    }

    /// <summary>Called about once a second: c2s that did not come back within Sm:C2sGracePeriod lose their sessions.</summary>
    public void Tick()
    {
        if (_awaiting.Count == 0) return;
        foreach (var (address, since) in _awaiting.ToArray())
        {
            if (clock.GetElapsedTime(since) < options.C2sGracePeriod) continue;
            _awaiting.Remove(address);
            logger.LogWarning("{C2s} did not link again within {Grace}", address, options.C2sGracePeriod);
            EndOrDetach(address, "did not come back");
            FailHeld(address, "its c2s did not come back");
        }
    }

    /// <summary>SYNC from a c2s: answer SYNCED with the named sessions sm does not hold; after the last chunk, end the unnamed ones.</summary>
    public void OnSync(Frame frame)
    {
        var request = frame.Session;
        if (!_syncListed.TryGetValue(frame.From, out var listed)) _syncListed[frame.From] = listed = new HashSet<string>(StringComparer.Ordinal);
        var answer = new Session { Action = Session.Types.Action.Synced, RequestId = request.RequestId };
        foreach (var entry in request.Sessions)
        {
            if (entry.SmSession.Length == 0)
            {
                // A START c2s is waiting for: keep the session it may already have started.
                if (Jid.TryParse(entry.Target, out var jid) && jid.IsFull && sessions.FindFull(jid) is { } starting && starting.IsOwnedBy(frame.From, entry.C2SSession))
                    listed.Add(starting.Id);
                continue;
            }
            if (sessions.Find(entry.SmSession) is { } session && session.IsOwnedBy(frame.From, entry.C2SSession)) listed.Add(session.Id);
            else answer.Sessions.Add(entry);
        }
        if (!request.More)
        {
            _syncListed.Remove(frame.From);
            var stale = sessions.OwnedBy(frame.From).Where(s => !listed.Contains(s.Id) && s.Stream is not { Detached: true }).ToArray();
            if (stale.Length > 0) logger.LogInformation("{C2s} no longer holds {Count} of its sessions; ending them", frame.From, stale.Length);
            lifecycle.EndAll(stale.Where(s => !streams.Detach(s, ResyncReason)).ToArray(), ResyncReason, tellC2s: false); // resumable ones wait for their clients
            SmTelemetry.Resynced(stale.Length, 0);
        }
        SmTelemetry.Resynced(0, answer.Sessions.Count);
        if (answer.Sessions.Count > 0)
            logger.LogInformation("{C2s} holds {Count} sessions sm does not: it re-attaches them", frame.From, answer.Sessions.Count);
        outbox.Session(frame.From, answer);
        Back(frame.From);
    }

    /// <summary>A c2s is gone: its resumable sessions (XEP-0198) are detached, the others end.</summary>
    private void EndOrDetach(string address, string what)
    {
        var owned = sessions.OwnedBy(address).Where(s => s.Stream is not { Detached: true }).ToArray();
        var ending = owned.Where(s => !streams.Detach(s, "c2s-down")).ToArray();
        if (owned.Length > 0)
            logger.LogInformation("{C2s} {What}; ending {Count} of its sessions, {Detached} wait for a resumption", address, what, ending.Length, owned.Length - ending.Length);
        lifecycle.EndAll(ending, EndReasons.C2sDown, tellC2s: false);
    }

    /// <summary>The c2s is linked again: stop waiting for it and send what waited, in order.</summary>
    private void Back(string address)
    {
        _awaiting.Remove(address);
        if (!_held.Remove(address, out var queue)) return;
        logger.LogInformation("{C2s} is back; {Count} frames that waited for it go out", address, queue.Count);
        while (queue.TryDequeue(out var frame))
        {
            SmTelemetry.HeldForC2s("released");
            outbox.Send(frame);
        }
    }

    private void FailHeld(string address, string why)
    {
        if (!_held.Remove(address, out var queue)) return;
        logger.LogWarning("{Count} frames that waited for {C2s} are handled as undelivered: {Why}", queue.Count, address, why);
        while (queue.TryDequeue(out var frame))
        {
            SmTelemetry.HeldForC2s("expired");
            // A numbered packet (XEP-0198) stays in its session's queue: sent again on resumption, or handled when the session ends.
            if (frame.BodyCase == Frame.BodyOneofCase.Packet && !frame.Packet.Undelivered && !frame.Packet.HasSmSeq) returned.Handle(frame.Packet, why);
        }
    }
}
