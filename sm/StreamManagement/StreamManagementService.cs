using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Protos;
using Xmpp.Sm.Core;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Sessions;
using Xmpp.Sm.Storage;
using Xmpp.Sm.Telemetry;
using Action = Xmpp.Protos.Session.Types.Action;

namespace Xmpp.Sm.StreamManagement;

/// <summary>
/// XEP-0198 stream management held in sm (protos/router.proto, "Stream management"): the session
/// actions SM_ENABLE, SM_ACK, SM_REQUEST, DETACH and RESUME; numbering and keeping what sm sends an
/// enabled session (<see cref="Number"/>, called by <see cref="Outbox"/>); counting what sm takes
/// from the client (<see cref="TakeInbound"/>, called by <see cref="PacketIntake"/>); detached
/// sessions and their timeout (<see cref="Expire"/>); and, when a session ends for good, its
/// unacknowledged stanzas handled like undelivered ones (<see cref="ReturnedPackets"/>: messages
/// to offline storage, iqs answered with an error). Runs on sm's single consumer.
/// </summary>
public sealed class StreamManagementService
{
    public static class Reasons
    {
        public const string ItemNotFound = "item-not-found";
        public const string UnexpectedRequest = "unexpected-request";
        /// <summary>ENDED to the old connection's c2s: close that stream, the session lives on elsewhere.</summary>
        public const string Resumed = "resumed";
        /// <summary>ENDED to c2s: the stream is to be closed so that the client resumes and resends (no longer sent by sm: a gap is repaired with SM_RESEND).</summary>
        public const string Resync = "resync";
    }

    /// <summary>ENDED reasons of this feature.</summary>
    public const string EndTimeout = "resume-timeout";
    public const string EndOverflow = "unacked-overflow";

    private readonly StreamManagementOptions _options;
    private readonly SessionTable _sessions;
    private readonly SessionLifecycle _lifecycle;
    private readonly Outbox _outbox;
    private readonly ReturnedPackets _returned;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly Dictionary<string, SmSession> _byResumeId = new(StringComparer.Ordinal);
    private readonly List<SmSession> _detached = [];
    private readonly List<SmSession> _overflowed = [];
    private readonly StreamJournal _journal;
    private readonly HashSet<string> _unclaimed;  // streams stored by an earlier sm that no c2s re-attached yet
    private readonly DateTimeOffset _unclaimedSince;
    private readonly TimeSpan _reattachWait;

    /// <param name="store">Where resumable streams' counts and unacknowledged stanzas are kept across a restart (null: nowhere).</param>
    /// <param name="reattachWait">How long after start a stored stream waits for its c2s to re-attach it (Sm:C2sGracePeriod); then it ends.</param>
    public StreamManagementService(StreamManagementOptions options, SessionTable sessions, SessionLifecycle lifecycle, HookTable hooks,
        Outbox outbox, ReturnedPackets returned, TimeProvider clock, ILogger logger, IStreamStateStore? store = null, TimeSpan reattachWait = default)
    {
        _journal = new StreamJournal(store);
        _unclaimed = new HashSet<string>(store?.StreamKeys() ?? [], StringComparer.Ordinal);
        _unclaimedSince = clock.GetUtcNow();
        _reattachWait = reattachWait;
        if (_unclaimed.Count > 0) logger.LogInformation("{Count} resumable streams were kept by the previous sm; their c2s have {Wait} to re-attach them", _unclaimed.Count, reattachWait);
        _options = options;
        _sessions = sessions;
        _lifecycle = lifecycle;
        _outbox = outbox;
        _returned = returned;
        _clock = clock;
        _logger = logger;
        hooks.On<SessionEnded>(e => OnEnded(e.Session, e.Reason));
    }

    /// <summary>Writes the durable stream state the frame just handled changed (inside its group commit, before its output is sent).</summary>
    public void Persist() => _journal.Flush();

    /// <summary>Sessions waiting for a resumption.</summary>
    public int DetachedCount => _detached.Count;

    public static bool Handles(Action action) =>
        action is Action.SmEnable or Action.SmAck or Action.SmRequest or Action.Detach or Action.Resume or Action.SmResend;

    public void Handle(Frame frame)
    {
        switch (frame.Session.Action)
        {
            case Action.SmEnable: Enable(frame); break;
            case Action.SmAck: Ack(frame); break;
            case Action.SmRequest: Request(frame); break;
            case Action.Detach: DetachRequested(frame); break;
            case Action.Resume: Resume(frame); break;
            case Action.SmResend: Resend(frame); break;
        }
    }

    /// <summary>How soon sm asks c2s again to resend after the same count (protos/router.proto, "Repair").</summary>
    public static readonly TimeSpan AskResendAgain = TimeSpan.FromSeconds(1);

    /// <summary>
    /// c2s lacks sm's stanzas after sm_h (frames lost on the router link): what the client has not
    /// acknowledged beyond it goes again, in order, with its number; c2s drops what it has already.
    /// </summary>
    private void Resend(Frame frame)
    {
        if (Owned(frame) is not { Stream: { Detached: false } stream } session) return; // moved, detached or over: a resumption sends them
        var after = frame.Session.SmH;
        var count = 0;
        foreach (var packet in stream.Outbound.Pending)
        {
            if (unchecked((int)(packet.SmSeq - after)) <= 0) continue;
            _outbox.Send(new Frame { To = session.C2sAddress, Packet = packet });
            count++;
        }
        _logger.LogInformation("Session {Session}: c2s has stanzas up to #{H}; {Count} sent again", session.Id, after, count);
        StreamManagementTelemetry.Add(StreamManagementTelemetry.Resent, "direction", "to-c2s", count);
    }

    /// <summary>
    /// START reattach of a session that had stream management (sm restarted): its stream goes on
    /// with the previd its client holds and the counters, so acks and a later resumption stay right.
    /// The client's stanzas taken: what the previous sm stored with their effects (the exact count:
    /// c2s resends only what follows it), else c2s's sm_h (the last count an sm confirmed to it).
    /// sm's stanzas: what the previous sm stored unacknowledged is kept again; numbering goes on
    /// after sm_out (the last one c2s wrote) or the last stored one. <see cref="Continue"/> follows the answer.
    /// </summary>
    public void Restore(SmSession session, Session request)
    {
        if (session.Stream is not null) return;
        var timeout = request.SmMax > 0 ? TimeSpan.FromSeconds(request.SmMax) : _options.ResumeTimeout;
        if (timeout > _options.MaxResumeTimeout) timeout = _options.MaxResumeTimeout;
        string? resumeId = request.SmResumeId.Length > 0 ? request.SmResumeId : null;
        if (resumeId is not null)
        {
            if (_byResumeId.TryGetValue(resumeId, out var other) && other != session)
            {
                _logger.LogWarning("Session {Session}: re-attach names a previd another session holds; not resumable", session.Id);
                resumeId = null;
            }
            else _byResumeId[resumeId] = session;
        }
        var inbound = request.SmH;
        var queue = new UnackedQueue(request.SmOut);
        if (resumeId is not null && _journal.Store?.LoadStream(resumeId) is { } stored)
        {
            _unclaimed.Remove(resumeId);
            if (stored.Inbound is { } h && unchecked((int)(h - inbound)) > 0) inbound = h;
            queue = UnackedQueue.Restored(stored.Unacked.Select(p => Packet.Parser.ParseFrom(p)).ToList(), request.SmOut);
            _logger.LogInformation("Session {Session}: the previous sm stored the client's stanzas taken up to {Stored} (c2s had {H} confirmed) and {Count} of ours unacknowledged",
                session.Id, stored.Inbound, request.SmH, stored.Unacked.Count);
        }
        session.Stream = new SessionStream(resumeId, timeout, queue, inbound);
        StreamManagementTelemetry.Add(StreamManagementTelemetry.Enabled, "resumable", resumeId is null ? "false" : "true");
        _logger.LogInformation("Session {Session}: stream management restored on re-attach (client's stanzas taken {H}, ours sent {Out}, resumable {Resumable})",
            session.Id, inbound, request.SmOut, resumeId is not null);
    }

    /// <summary>
    /// After the answer to a re-attaching START: c2s hears where the client's stanzas resume
    /// (SM_RESEND after the count taken: it sends again only what follows), and the stored stanzas
    /// c2s never wrote (numbered after sm_out) go to it, in order.
    /// </summary>
    public void Continue(SmSession session, uint lastWritten)
    {
        if (session.Stream is not { } stream) return;
        _outbox.Session(session.C2sAddress, new Session
        {
            Action = Action.SmResend, C2SSession = session.C2sSession, SmSession = session.Id, SmH = stream.Inbound,
        });
        stream.Outbound.ReplaceAll(p => new Packet(p) { C2SSession = session.C2sSession, SmSession = session.Id });
        var count = 0;
        foreach (var packet in stream.Outbound.Pending)
        {
            if (unchecked((int)(packet.SmSeq - lastWritten)) <= 0) continue;
            _outbox.Send(new Frame { To = session.C2sAddress, Packet = packet });
            count++;
        }
        if (count > 0)
        {
            _logger.LogInformation("Session {Session}: {Count} stored stanzas c2s had not written sent again", session.Id, count);
            StreamManagementTelemetry.Add(StreamManagementTelemetry.Resent, "direction", "to-c2s", count);
        }
    }

    private SmSession? Owned(Frame frame)
    {
        var s = frame.Session;
        return _sessions.Find(s.SmSession) is { } session && session.IsOwnedBy(frame.From, s.C2SSession) ? session : null;
    }

    private void Enable(Frame frame)
    {
        var request = frame.Session;
        if (Owned(frame) is not { } session)
        {
            Fail(frame, SessionActions.Reasons.UnknownSession);
            return;
        }
        if (session.Stream is not null)
        {
            Fail(frame, Reasons.UnexpectedRequest);
            return;
        }
        var timeout = request.SmMax > 0 ? TimeSpan.FromSeconds(request.SmMax) : _options.ResumeTimeout;
        if (timeout > _options.MaxResumeTimeout) timeout = _options.MaxResumeTimeout;
        string? resumeId = null;
        if (request.SmResume)
        {
            resumeId = NewResumeId();
            _byResumeId.Add(resumeId, session);
        }
        session.Stream = new SessionStream(resumeId, timeout);
        StreamManagementTelemetry.Add(StreamManagementTelemetry.Enabled, "resumable", request.SmResume ? "true" : "false");
        _logger.LogDebug("Session {Session}: stream management enabled (resumable {Resumable}, timeout {Timeout})", session.Id, request.SmResume, timeout);
        var answer = SessionAnswers.For(request, Action.SmEnabled);
        answer.SmResumeId = resumeId ?? "";
        answer.SmMax = (uint)timeout.TotalSeconds;
        _outbox.Session(frame.From, answer);
    }

    private void Ack(Frame frame)
    {
        if (Owned(frame) is not { Stream: { } stream } session) return; // not answered: a late ack of a moved or ended session
        var result = AckOutbound(stream, frame.Session.SmH);
        if (result == UnackedQueue.AckResult.Ok) return;
        var name = result == UnackedQueue.AckResult.TooHigh ? "too-high" : "stale";
        _logger.LogInformation("Session {Session}: the client acknowledged h={H} ({Result}; {Sent} sent)", session.Id, frame.Session.SmH, name, stream.Outbound.LastSeq);
        StreamManagementTelemetry.Add(StreamManagementTelemetry.BadAcks, "result", name);
    }

    /// <summary>The client acknowledged up to <paramref name="h"/>: dropped from the queue and from the stored stream.</summary>
    private UnackedQueue.AckResult AckOutbound(SessionStream stream, uint h)
    {
        var before = stream.Outbound.Acked;
        var result = stream.Outbound.Ack(h);
        if (stream.ResumeId is { } key) _journal.Acked(key, before, stream.Outbound.Acked);
        return result;
    }

    /// <summary>The client's &lt;r/&gt;: every packet of the session before this frame has been handled (and is committed when the answer leaves).</summary>
    private void Request(Frame frame)
    {
        if (Owned(frame) is not { Stream: { } stream })
        {
            Fail(frame, SessionActions.Reasons.UnknownSession);
            return;
        }
        var answer = SessionAnswers.For(frame.Session, Action.SmAnswer);
        answer.SmH = stream.Inbound;
        _outbox.Session(frame.From, answer);
    }

    /// <summary>
    /// A graceful stop: each attached session's c2s hears how many of its client's stanzas sm took
    /// (an SM_ANSWER to a confirmation it did not ask, "c2s:&lt;h&gt;"), so that the session it re-attaches
    /// on the next sm goes on from exactly there: nothing counted twice, nothing counted that was
    /// not taken. How many sessions were told.
    /// </summary>
    public int AnnounceTaken()
    {
        var told = 0;
        foreach (var session in _sessions.All)
        {
            if (session.Stream is not { Detached: false } stream) continue;
            _outbox.Session(session.C2sAddress, new Session
            {
                Action = Action.SmAnswer, C2SSession = session.C2sSession, SmSession = session.Id,
                SmH = stream.Inbound, RequestId = "c2s:" + stream.Inbound,
            });
            told++;
        }
        return told;
    }

    private void DetachRequested(Frame frame)
    {
        if (Owned(frame) is not { } session) return; // resumed elsewhere already, or over
        if (session.Stream is { Resumable: true }) Detach(session, "connection");
        else _lifecycle.End(session, EndReasons.Requested, tellC2s: false);
    }

    /// <summary>
    /// The session's connection is gone: it stays (presence unchanged) and keeps what comes for it
    /// until its client resumes or its timeout passes. True when detached (it is resumable).
    /// </summary>
    public bool Detach(SmSession session, string why)
    {
        if (session.Stream is not { Resumable: true } stream) return false;
        if (stream.Detached) return true;
        stream.DetachedAt = _clock.GetUtcNow();
        _detached.Add(session);
        StreamManagementTelemetry.SetDetached(_detached.Count);
        StreamManagementTelemetry.Add(StreamManagementTelemetry.Detached, "reason", why);
        _logger.LogInformation("Session {Session} of {Jid} detached ({Why}); {Count} stanzas unacknowledged; resumable for {Timeout}",
            session.Id, session.FullJid, why, stream.Outbound.Count, stream.Timeout);
        return true;
    }

    private void Resume(Frame frame)
    {
        var request = frame.Session;
        if (request.C2SSession.Length == 0 || !Jid.TryParse(request.Target, out var user) || user.Local is null || user.IsFull)
        {
            StreamManagementTelemetry.Add(StreamManagementTelemetry.ResumeFailed, "reason", "bad-request");
            Fail(frame, SessionActions.Reasons.BadRequest);
            return;
        }
        if (!_byResumeId.TryGetValue(request.SmResumeId, out var session) || session.Stream is not { } stream)
        {
            _logger.LogInformation("Resumption by {User} on {C2s} refused: unknown or expired previd", user, frame.From);
            StreamManagementTelemetry.Add(StreamManagementTelemetry.ResumeFailed, "reason", Reasons.ItemNotFound);
            Fail(frame, Reasons.ItemNotFound);
            return;
        }
        if (session.BareJid != user)
        {
            // The same answer as an unknown previd: another account learns nothing about it.
            _logger.LogWarning("Resumption of session {Session} ({Owner}) refused: {User} on {C2s} is another account", session.Id, session.BareJid, user, frame.From);
            StreamManagementTelemetry.Add(StreamManagementTelemetry.ResumeFailed, "reason", "other-account");
            Fail(frame, Reasons.ItemNotFound);
            return;
        }

        var (oldAddress, oldConnection) = (session.C2sAddress, session.C2sSession);
        var wasAttached = !stream.Detached;
        if (AckOutbound(stream, request.SmH) is not UnackedQueue.AckResult.Ok and var bad)
        {
            _logger.LogInformation("Session {Session}: resumed with h={H} ({Result}; {Sent} sent)", session.Id, request.SmH, bad, stream.Outbound.LastSeq);
            StreamManagementTelemetry.Add(StreamManagementTelemetry.BadAcks, "result", bad == UnackedQueue.AckResult.TooHigh ? "too-high" : "stale");
        }
        session.Rebind(frame.From, request.C2SSession);
        if (stream.Detached)
        {
            stream.DetachedAt = null;
            _detached.Remove(session);
            StreamManagementTelemetry.SetDetached(_detached.Count);
        }
        if (wasAttached)
        {
            // The old connection may still be open (the client lost it, its c2s did not notice yet): its c2s closes it, the session stays.
            _outbox.Session(oldAddress, new Session
            {
                Action = Action.Ended, C2SSession = oldConnection, SmSession = session.Id, Target = session.FullJidText, Reason = Reasons.Resumed,
            });
        }
        StreamManagementTelemetry.Add(StreamManagementTelemetry.Resumed, "c2s", oldAddress == frame.From ? "same" : "other");
        _logger.LogInformation("Session {Session} of {Jid} resumed on {C2s}#{Connection}; {Count} stanzas sent again", session.Id, session.FullJid,
            frame.From, request.C2SSession, stream.Outbound.Count);

        var answer = SessionAnswers.For(request, Action.Resumed);
        answer.SmSession = session.Id;
        answer.Target = session.FullJidText;
        answer.SmH = stream.Inbound;
        answer.SmResumeId = request.SmResumeId;
        _outbox.Session(frame.From, answer);

        // What the client's h did not cover goes again, in order, with its number, to the new connection.
        stream.Outbound.ReplaceAll(p => new Packet(p) { C2SSession = request.C2SSession });
        foreach (var packet in stream.Outbound.Pending)
            _outbox.Send(new Frame { To = session.C2sAddress, Packet = packet });
    }

    /// <summary>
    /// A stanza for <paramref name="session"/> (which has stream management): numbered and kept until
    /// acknowledged. False when it must not be sent now (the session is detached: it waits).
    /// </summary>
    public bool Number(SmSession session, SessionStream stream, Packet packet)
    {
        stream.Outbound.Push(packet);
        if (stream.ResumeId is { } key) _journal.Numbered(key, packet);
        if (stream.Outbound.Bytes > _options.MaxUnackedBytes && !stream.Overflowed)
        {
            stream.Overflowed = true;
            _overflowed.Add(session); // ended once the current frame is handled (not in the middle of a module's delivery)
            _logger.LogWarning("Session {Session} of {Jid}: more than {Bytes} bytes unacknowledged ({Count} stanzas); ending it", session.Id, session.FullJid,
                _options.MaxUnackedBytes, stream.Outbound.Count);
        }
        return !stream.Detached && !stream.Overflowed;
    }

    /// <summary>
    /// A client stanza (or c2s's loopback answer to one) of a session with stream management: true
    /// when it is the next one and is taken; otherwise it is dropped (logged, counted) and, after a
    /// gap, the stream is closed so that the client resumes and resends.
    /// </summary>
    public bool TakeInbound(SmSession session, Packet packet)
    {
        if (session.Stream is not { } stream) return true;
        if (stream.Detached)
        {
            Dropped(session, packet, "detached");
            return false;
        }
        if (!packet.HasSmSeq) return true; // sent before c2s knew of the enable
        switch (stream.TakeInbound(packet.SmSeq))
        {
            case SessionStream.Take.Next:
                if (stream.ResumeId is { } key) _journal.Taken(key, stream.Inbound); // durable with the stanza's effects, before anything it causes is sent
                return true;
            case SessionStream.Take.Duplicate:
                Dropped(session, packet, "duplicate");
                return false;
            default:
                // Frames were lost on the way (a router restart): c2s keeps what sm has not confirmed and sends it again.
                Dropped(session, packet, "gap");
                if (stream.ShouldAskResend(_clock.GetUtcNow(), AskResendAgain))
                {
                    _logger.LogInformation("Session {Session}: client stanza #{Seq} after #{H}: asking c2s to send again from #{Next}", session.Id, packet.SmSeq,
                        stream.Inbound, unchecked(stream.Inbound + 1));
                    StreamManagementTelemetry.Add(StreamManagementTelemetry.Resent, "direction", "asked-of-c2s", 1);
                    _outbox.Session(session.C2sAddress, new Session
                    {
                        Action = Action.SmResend, C2SSession = session.C2sSession, SmSession = session.Id, SmH = stream.Inbound,
                    });
                }
                return false;
        }
    }

    private void Dropped(SmSession session, Packet packet, string why)
    {
        _logger.LogInformation("Session {Session}: client {Kind} stanza #{Seq} not taken ({Why}; {Taken} taken)", session.Id, packet.Kind, packet.SmSeq, why,
            session.Stream?.Inbound);
        StreamManagementTelemetry.Add(StreamManagementTelemetry.Dropped, "reason", why);
    }

    /// <summary>c2s's own answer to a client stanza: numbered and sent back like sm's own stanzas (an empty one only counted).</summary>
    public void Loopback(SmSession session, Packet packet)
    {
        if (packet.Stanza.IsEmpty) return;
        _outbox.ToSessionRaw(session, packet.Stanza, packet.Kind, packet.Type, packet.StanzaTo, packet.StanzaFrom);
    }

    /// <summary>Ends the sessions whose unacknowledged stanzas passed the bound while the last frame was handled.</summary>
    public void EndOverflowed()
    {
        if (_overflowed.Count == 0) return;
        var sessions = _overflowed.ToArray();
        _overflowed.Clear();
        foreach (var session in sessions)
            if (_sessions.Find(session.Id) == session)
                _lifecycle.End(session, EndOverflow, tellC2s: session.Stream is not { Detached: true });
    }

    /// <summary>Ends the detached sessions whose resumption timeout passed. Called about once a second.</summary>
    public int Expire()
    {
        EndUnclaimed();
        if (_detached.Count == 0) return 0;
        var now = _clock.GetUtcNow();
        var expired = _detached.Where(s => s.Stream is { DetachedAt: { } at } stream && now - at >= stream.Timeout).ToArray();
        foreach (var session in expired)
        {
            _logger.LogInformation("Session {Session} of {Jid} was not resumed within {Timeout}; ending it", session.Id, session.FullJid, session.Stream!.Timeout);
            _lifecycle.End(session, EndTimeout, tellC2s: false);
        }
        return expired.Length;
    }

    /// <summary>
    /// Streams a previous sm stored that no c2s re-attached within the wait (their connections
    /// closed while sm was away; a resumption of them finds nothing): they end, and what their
    /// clients never acknowledged is handled as undelivered (messages to offline storage).
    /// </summary>
    private void EndUnclaimed()
    {
        if (_unclaimed.Count == 0 || _clock.GetUtcNow() - _unclaimedSince < _reattachWait || _journal.Store is not { } store) return;
        foreach (var key in _unclaimed)
        {
            var unacked = store.LoadStream(key)?.Unacked ?? [];
            _journal.Ended(key);
            StreamManagementTelemetry.Add(StreamManagementTelemetry.Ended, "reason", "not-reattached");
            _logger.LogInformation("A stream kept by the previous sm was not re-attached within {Wait}; {Count} stanzas its client never acknowledged handled as undelivered",
                _reattachWait, unacked.Count);
            HandleUndelivered(unacked.Select(p => Packet.Parser.ParseFrom(p)).ToList(), "its stream was not re-attached after an sm restart");
        }
        _unclaimed.Clear();
    }

    /// <summary>A session ended for good: forget its resumption id and handle what its client never acknowledged as undelivered.</summary>
    private void OnEnded(SmSession session, string reason)
    {
        if (session.Stream is not { } stream) return;
        if (stream.ResumeId is { } id)
        {
            _byResumeId.Remove(id);
            _journal.Ended(id);
        }
        if (stream.Detached && _detached.Remove(session)) StreamManagementTelemetry.SetDetached(_detached.Count);
        var unacked = stream.Outbound.TakeAll();
        if (unacked.Count == 0) return;
        StreamManagementTelemetry.Add(StreamManagementTelemetry.Ended, "reason", reason);
        _logger.LogInformation("Session {Session} of {Jid} ended ({Reason}) with {Count} stanzas unacknowledged; handled as undelivered",
            session.Id, session.FullJid, reason, unacked.Count);
        HandleUndelivered(unacked, $"unacknowledged when session {session.Id} ended ({reason})");
    }

    /// <summary>Stanzas a client never acknowledged, its session over: messages to offline storage, iqs answered with an error, copies dropped.</summary>
    private void HandleUndelivered(List<Packet> unacked, string why)
    {
        foreach (var packet in unacked)
        {
            StreamManagementTelemetry.Add(StreamManagementTelemetry.Unacked, "kind", packet.Kind);
            if (IsCopy(packet))
            {
                // A carbon copy or an archive result: the message itself is stored or delivered elsewhere (as Prosody's mod_smacks).
                _logger.LogDebug("An unacknowledged copy (carbon or archive result) dropped: {Why}", why);
                SmTelemetry.Undeliverable(packet.Kind, "dropped");
                continue;
            }
            var copy = new Packet(packet);
            copy.ClearSmSeq();
            _returned.Handle(copy, why);
        }
    }

    private static readonly string[] CopyNamespaces = ["urn:xmpp:carbons:2", "urn:xmpp:mam:2"];

    /// <summary>A message that only copies another (XEP-0280 received/sent, a XEP-0313 result): never stored offline.</summary>
    private static bool IsCopy(Packet packet)
    {
        if (packet.Kind != "message") return false;
        try
        {
            var stanza = Xmpp.Common.Stanzas.StanzaCodec.Parse(packet.Stanza.Span);
            return stanza.Elements().Any(e => CopyNamespaces.Contains(e.Name.NamespaceName) && e.Name.LocalName is "received" or "sent" or "result");
        }
        catch (System.Xml.XmlException)
        {
            return false; // the undelivered path logs an unreadable one
        }
    }

    /// <summary>128 random bits, URL-safe: a previd nobody can guess (and it is checked against the account anyway).</summary>
    private string NewResumeId()
    {
        while (true)
        {
            var id = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            if (!_byResumeId.ContainsKey(id)) return id;
        }
    }

    private void Fail(Frame frame, string reason) => _outbox.Session(frame.From, SessionAnswers.Failed(frame.Session, reason));
}
