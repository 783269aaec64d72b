using System.Xml.Linq;
using Google.Protobuf;
using Xmpp.C2s.Protocol;
using Xmpp.C2s.Telemetry;
using Xmpp.Common.Stanzas;
using Xmpp.Common.Xml;
using Xmpp.Protos;

namespace Xmpp.C2s.Connections;

/// <summary>
/// Keeping a session through an sm restart or a router outage (issue 20). While sm is away (the
/// router says so, or returned a stanza of this session as unroutable) the client's stanzas wait
/// here, at most C2s:HeldStanzaBytes; past it they are answered with &lt;resource-constraint/&gt;.
/// When sm is back, the resync (<see cref="Routing.SessionResync"/>) tells whether sm still holds
/// the session: if so the held stanzas go out; if not, c2s re-establishes it (START with reattach,
/// the same full JID), replays the client's last available presence, and then sends them. A
/// session sm does not take back (or sm not back within C2s:SmGracePeriod) ends with a stream error.
/// </summary>
public sealed partial class ClientConnection
{
    private readonly Lock _holdLock = new();
    private readonly Queue<Frame> _waitingForSm = new();
    private long _waitingForSmBytes;
    private long _holdingSince; // Environment.TickCount64 when holding began, 0 when not holding
    private byte[]? _lastPresence;
    private volatile bool _rosterInterest;
    private volatile string? _reattachId;
    private int _reattachCounter;

    /// <summary>Whether the client's stanzas wait for sm (see the class summary).</summary>
    public bool Holding => Interlocked.Read(ref _holdingSince) != 0;

    /// <summary>A re-attaching START waits for its answer.</summary>
    public bool Reattaching => _reattachId is not null;

    /// <summary>How long the stanzas have waited for sm, or zero.</summary>
    public TimeSpan HoldingFor => Interlocked.Read(ref _holdingSince) is var since and not 0 ? TimeSpan.FromMilliseconds(Environment.TickCount64 - since) : TimeSpan.Zero;

    /// <summary>This connection's session as the resync states it, or null without one (a START waiting for STARTED has no sm session yet).</summary>
    public SessionEntry? SyncEntry()
    {
        if (_jid is not { } jid || Volatile.Read(ref _smSessionOver) == 1) return null;
        if (_stage == StreamStage.Established && _smSession is { } smSession && _reattachId is null)
            return new SessionEntry { C2SSession = Id, SmSession = smSession, Target = jid.ToString() };
        return _stage is StreamStage.Binding or StreamStage.Established ? new SessionEntry { C2SSession = Id, Target = jid.ToString() } : null;
    }

    /// <summary>
    /// sm is gone for now: the client's stanzas wait (only sessions; a connection still logging in
    /// is not affected). A re-attach in progress is forgotten: that sm is gone, the next resync starts another.
    /// </summary>
    public void HoldForSm()
    {
        if (_stage != StreamStage.Established) return;
        lock (_holdLock)
        {
            if (_holdingSince == 0) _holdingSince = Environment.TickCount64;
            _reattachId = null;
        }
    }

    /// <summary>Remembers what a replay needs: the last broadcast available presence (unavailable forgets it), and roster interest.</summary>
    private void RememberForReattach(Frame frame, XElement stanza)
    {
        var packet = frame.Packet;
        if (packet.Kind == "presence" && packet.StanzaTo.Length == 0)
        {
            if (packet.Type.Length == 0) _lastPresence = packet.Stanza.Length <= _options.MaxRememberedPresenceBytes ? packet.Stanza.ToByteArray() : null;
            else if (packet.Type == "unavailable") _lastPresence = null;
        }
        else if (packet.Kind == "iq" && packet.Type == "get" && stanza.Element(XName.Get("query", "jabber:iq:roster")) is not null)
        {
            _rosterInterest = true;
        }
    }

    /// <summary>
    /// Called before a client stanza goes to sm: true if it waits instead (sm is away), or was
    /// answered with an error because too much waits already.
    /// </summary>
    private bool TryHold(Frame frame, XElement stanza)
    {
        lock (_holdLock)
        {
            if (_holdingSince == 0) return false;
            if (HoldLocked(frame)) return true;
        }
        RefuseHeld(frame, stanza);
        return true;
    }

    /// <summary>A stanza of this session the router returned because sm was unreachable: it waits for sm with the others.</summary>
    public void HoldReturned(Frame frame)
    {
        if (_stage != StreamStage.Established || Volatile.Read(ref _smSessionOver) == 1)
        {
            DropReturned(frame, "the session is over");
            return;
        }
        lock (_holdLock)
        {
            if (_holdingSince == 0) _holdingSince = Environment.TickCount64;
            if (HoldLocked(frame)) return;
        }
        RefuseHeld(frame, null);
    }

    private bool HoldLocked(Frame frame)
    {
        var size = frame.Packet.Stanza.Length;
        if (_waitingForSmBytes + size > _options.HeldStanzaBytes && _waitingForSm.Count > 0) return false;
        frame.RouteError = null;
        frame.From = ""; // a returned frame names its destination as from; the link stamps ours again
        _waitingForSm.Enqueue(frame);
        _waitingForSmBytes += size;
        C2sTelemetry.Held(frame.Packet.Kind, "held");
        return true;
    }

    /// <summary>Answers a stanza that could not wait (C2s:HeldStanzaBytes reached, or the session ends) with an error, as sm would not get it.</summary>
    private void RefuseHeld(Frame frame, XElement? stanza)
    {
        var packet = frame.Packet;
        C2sTelemetry.Held(packet.Kind, "refused");
        if (_refuseWarnings.ShouldReport(out var count))
            _logger.LogWarning("Connection {Id}: {Count} stanzas could not wait for the session manager (C2s:HeldStanzaBytes {Bytes}); answered with errors", Id, count, _options.HeldStanzaBytes);
        if (packet.Kind == "presence" || packet.Type is "error" or "result") return;
        try
        {
            stanza ??= StanzaCodec.Parse(packet.Stanza.Span);
            SendStanza(StanzaErrors.Reply(stanza, StanzaErrors.Wait, StanzaErrors.ResourceConstraint, "the session manager is restarting; try again shortly"));
        }
        catch (System.Xml.XmlException)
        {
            // c2s serialized it itself; cannot happen
        }
    }

    private readonly Common.Link.RateLimitedCount _refuseWarnings = new();

    private void DropReturned(Frame frame, string why)
    {
        C2sTelemetry.Held(frame.Packet.Kind, "dropped");
        _logger.LogWarning("Connection {Id}: a {Kind} stanza sm could not take is dropped: {Why}", Id, frame.Packet.Kind, why);
    }

    /// <summary>The resync found the session on sm: what waited goes out now.</summary>
    public void ResumeWithSm()
    {
        ReleaseHeld();
        RepairAfterRelink(); // XEP-0198: frames lost with the old router link are sent again
    }

    /// <summary>
    /// sm does not hold this session (it restarted, or ended it while the router was away): start
    /// it again with the same full JID (START reattach); the answer is taken on the link's reader
    /// (<see cref="TryAcceptReattached"/>), which replays the presence and releases what waited.
    /// </summary>
    public void Reattach()
    {
        if (_jid is not { } jid || _stage != StreamStage.Established || Volatile.Read(ref _smSessionOver) == 1) return;
        var requestId = $"{Id}.r{Interlocked.Increment(ref _reattachCounter)}";
        lock (_holdLock)
        {
            // One START at a time: a second would be answered with the same session, and the first's answer ended.
            if (_reattachId is not null) return;
            _reattachId = requestId;
            if (_holdingSince == 0) _holdingSince = Environment.TickCount64; // whatever the client sends until STARTED waits
        }
        _logger.LogInformation("Connection {Id}: sm does not hold session {Session} of {Jid}; re-attaching it", Id, _smSession, jid);
        C2sTelemetry.Reattached("started");
        var start = new Session
        {
            Action = Session.Types.Action.Start, C2SSession = Id, Target = jid.ToString(), RequestId = requestId,
            Reattach = true, RosterInterest = _rosterInterest,
        };
        AddStreamCounters(start); // XEP-0198: the new sm goes on with the stream's numbers
        var sent = _sm.Send(new Frame { To = _sm.SmAddress, Session = start });
        if (!sent) FailReattach("the router link would not take the START");
    }

    /// <summary>sm shards: the address of the sm (shard) that answered STARTED, "" before.</summary>
    public string SmOwner => _smOwner;

    /// <summary>The session's account, null before bind.</summary>
    public Common.Jid? Account => _jid?.Bare;

    /// <summary>sm shards: the old shard and session while the session moves to a shard that joined (END sent, ENDED awaited).</summary>
    private volatile Tuple<string, string>? _movingFrom;

    /// <summary>sm shards: the session is being moved to another shard; what the client sends waits.</summary>
    public bool Moving => _movingFrom is not null;

    /// <summary>
    /// sm shards: a shard joined and owns this account now. The session ENDs on its old shard first
    /// (reason "moved": no presence broadcast; what it had not got acknowledged goes to offline
    /// storage, and its last confirmations reach c2s before ENDED), and only on ENDED is it
    /// re-attached to the new owner with the counters as they stand then; the client's stanzas wait meanwhile.
    /// </summary>
    public void MoveShard()
    {
        if (Reattaching || Moving || _smSession is not { } old || _smOwner.Length == 0 || _stage != StreamStage.Established) return;
        lock (_holdLock)
        {
            if (_holdingSince == 0) _holdingSince = Environment.TickCount64;
        }
        _movingFrom = Tuple.Create(_smOwner, old);
        _logger.LogInformation("Connection {Id}: session {Session} of {Jid} moves from {Shard} to the shard that owns it now", Id, old, _jid, _smOwner);
        if (!_sm.Send(new Frame { To = _smOwner, Session = new Session { Action = Session.Types.Action.End, C2SSession = Id, SmSession = old, Reason = "moved" } }))
            TryMovedEnded(old);
    }

    /// <summary>On the link's reader: the old shard ended the moving session (or could not be told): re-attach it to the new owner. False if it was not moving.</summary>
    public bool TryMovedEnded(string smSession)
    {
        if (_movingFrom is not { } moving || moving.Item2 != smSession) return false;
        _movingFrom = null;
        Reattach();
        return true;
    }

    /// <summary>On the link's reader: sm answered the re-attaching START; false if it is not ours.</summary>
    public bool TryAcceptReattached(string requestId, string smSession, string smAddress)
    {
        if (_reattachId is not { } pending || pending != requestId) return false;
        _movingFrom = null;
        _smSession = smSession;
        _smOwner = smAddress;
        _reattachId = null;
        C2sTelemetry.Reattached("done");
        _logger.LogInformation("Connection {Id}: session of {Jid} re-attached as {Session}", Id, _jid, smSession);
        if (_lastPresence is { } presence)
            _sm.Send(new Frame
            {
                To = _smOwner,
                Packet = new Packet
                {
                    C2SSession = Id, SmSession = smSession, Stanza = ByteString.CopyFrom(presence), Kind = "presence",
                    StanzaFrom = _jid!.ToString(),
                },
            });
        ReleaseHeld();
        return true;
    }

    /// <summary>sm refused the re-attaching START (or it could not be sent): the session cannot go on.</summary>
    public bool TryFailReattach(string requestId, string reason)
    {
        if (_reattachId is not { } pending || pending != requestId) return false;
        FailReattach(reason);
        return true;
    }

    private void FailReattach(string reason)
    {
        _reattachId = null;
        C2sTelemetry.Reattached("failed");
        _logger.LogWarning("Connection {Id}: the session of {Jid} could not be re-attached: {Reason}", Id, _jid, reason);
        GiveUpOnSm(reason == "conflict" ? "replaced by a new session for the same resource" : "the session manager could not take the session back");
    }

    /// <summary>Stops holding and returns what waited, in order.</summary>
    private Frame[] TakeHeld()
    {
        lock (_holdLock)
        {
            var held = _waitingForSm.ToArray();
            _waitingForSm.Clear();
            _waitingForSmBytes = 0;
            _holdingSince = 0;
            return held;
        }
    }

    /// <summary>sm did not come back in time (C2s:SmGracePeriod) or would not take the session: what waited is answered with errors and the stream ends.</summary>
    public void GiveUpOnSm(string text)
    {
        var held = TakeHeld();
        foreach (var frame in held) RefuseHeld(frame, null);
        Interlocked.Exchange(ref _smSessionOver, 1);
        CloseWithStreamError(StreamErrors.InternalServerError, text);
    }

    /// <summary>Sends what waited, in order, with the current sm session; stops holding.</summary>
    private void ReleaseHeld()
    {
        var held = TakeHeld();
        if (held.Length > 0) _logger.LogInformation("Connection {Id}: {Count} stanzas that waited for sm go out now", Id, held.Length);
        foreach (var frame in held)
        {
            frame.To = _smOwner;
            frame.Packet.SmSession = _smSession ?? "";
            C2sTelemetry.Held(frame.Packet.Kind, "released");
            if (!_sm.Send(frame)) RefuseHeld(frame, null);
        }
    }

    /// <summary>A stanza of this client that the router link accepted but could not get to the router: the client is told, as for a refused send.</summary>
    public void OnLinkFailed(Frame frame)
    {
        var packet = frame.Packet;
        if (packet.Kind == "presence" || packet.Type is "error" or "result") return;
        try
        {
            SendStanza(StanzaErrors.Reply(StanzaCodec.Parse(packet.Stanza.Span), StanzaErrors.Wait, StanzaErrors.InternalServerError, "the router is not reachable"));
        }
        catch (System.Xml.XmlException)
        {
            // c2s serialized it itself; cannot happen
        }
    }
}
