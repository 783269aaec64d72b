using System.Xml.Linq;
using Google.Protobuf;
using Xmpp.C2s.Protocol;
using Xmpp.C2s.Telemetry;
using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Common.Xml;
using Xmpp.Protos;
using Nonzas = Xmpp.C2s.Protocol.StreamManagementNonzas;

namespace Xmpp.C2s.Connections;

/// <summary>
/// XEP-0198 stream management on this connection. The state that must outlive the connection is
/// in sm (protos/router.proto, "Stream management"): c2s numbers the client's stanzas in the
/// order it reads them (every one goes to sm: forwarded, or as a loopback of c2s's own answer), and
/// writes sm's numbered stanzas in their order, so both of the client's counts are sm's. The
/// client's &lt;r/&gt; is answered with the h sm confirms (what it has taken, committed); the client's
/// &lt;a/&gt; goes to sm (one frame per &lt;a/&gt; that moves h); c2s asks for acks itself
/// (C2s:StreamManagement:AckRequestEvery / AckRequestDelay). A connection that drops without
/// &lt;/stream:stream&gt; is detached, not ended, and its client may resume it on any c2s.
/// <see cref="EnableStreamManagement"/> and <see cref="ResumeStreamAsync"/> are the entries for
/// inline negotiation (XEP-0386/0388) as well: their answer (&lt;enabled/&gt;, &lt;resumed/&gt;,
/// &lt;failed/&gt;) is produced once and goes through <see cref="SendSmAnswer"/>, onto the stream as
/// a nonza or into the SASL2 &lt;success/&gt; being built.
/// </summary>
public sealed partial class ClientConnection
{
    private readonly Lock _smLock = new();
    private bool _smNumbering;      // guarded by _smLock: the client sent <enable/> (or resumed): its stanzas are numbered
    private bool _smEnabled;        // guarded by _smLock: sm answered SM_ENABLED (or RESUMED): sm's stanzas come numbered
    private bool _smResumable;
    private string? _smResumeId;
    private uint _smInbound;        // guarded by _smLock: the number of the client's last stanza (wraps at 2^32)
    private uint _smOutNext;        // guarded by _smLock: the number the next stanza from sm must have
    private bool _smOutKnown;       // guarded by _smLock: false right after a resumption (the first one sets it)
    private int _smUnrequested;     // guarded by _smLock: numbered stanzas queued since c2s's last <r/>
    private Timer? _smAckTimer;     // guarded by _smLock
    private uint _smLastAckSent;    // read loop: the last client h forwarded to sm
    private bool _smAckSent;
    private TaskCompletionSource<string?>? _pendingResume;
    private string? _pendingResumeId;
    private string _pendingPrevId = "";
    private int _smCloseKind;       // CloseDropped, CloseEnded or CloseDetached
    private Action<string>? _smInlineAnswer; // XEP-0388/0386: where the next answer goes instead of the stream (once)

    private const int CloseDropped = 0;   // the connection dropped: a resumable session is detached
    private const int CloseEnded = 1;     // the client closed its stream, or c2s closed it with an error: the session ends
    private const int CloseDetached = 2;  // c2s closed the stream so that the client resumes (system shutdown, lost stanzas)

    /// <summary>Takes a stream-management nonza after bind; false when <paramref name="element"/> is not one.</summary>
    private bool OnStreamManagementNonza(XElement element)
    {
        if (!Nonzas.Is(element) || !_options.StreamManagement.Enabled) return false;
        switch (element.Name.LocalName)
        {
            case "enable":
                EnableStreamManagement(Nonzas.WantsResume(element), Nonzas.Max(element));
                break;
            case "r":
                OnClientRequest();
                break;
            case "a":
                OnClientAck(element);
                break;
            case "resume":
                Send(Nonzas.Failed(StanzaErrors.UnexpectedRequest)); // a resource is bound already
                break;
            default:
                CloseWithStreamError(StreamErrors.UnsupportedStanzaType, $"unknown element {element.Name.LocalName} of {Nonzas.Namespace}");
                break;
        }
        return true;
    }

    /// <summary>A stream-management nonza after authentication, before bind: only &lt;resume/&gt; is expected there.</summary>
    private async Task<bool> OnStreamManagementBeforeBindAsync(XElement element, CancellationToken ct)
    {
        if (!Nonzas.Is(element) || !_options.StreamManagement.Enabled) return false;
        if (element.Name.LocalName == "resume")
        {
            if (!Nonzas.TryH(element, out var h) || (string?)element.Attribute("previd") is not { Length: > 0 } previd)
            {
                Send(Nonzas.Failed(StanzaErrors.BadRequest));
                return true;
            }
            await ResumeStreamAsync(previd, h, ct);
            return true;
        }
        Send(Nonzas.Failed(StanzaErrors.UnexpectedRequest)); // enable before bind (XEP-0198 §3), r/a before enable
        return true;
    }

    /// <summary>
    /// The client's &lt;enable/&gt; on the established session: its stanzas are numbered from here;
    /// sm keeps the state and answers SM_ENABLED, which <see cref="OnSmEnabled"/> turns into &lt;enabled/&gt;.
    /// </summary>
    public void EnableStreamManagement(bool resume, uint max)
    {
        lock (_smLock)
        {
            if (_stage != StreamStage.Established || _smNumbering || _smSession is null)
            {
                SendSmAnswer(Nonzas.Failed(StanzaErrors.UnexpectedRequest));
                return;
            }
            _smNumbering = true;
            _smInbound = 0;
            _smResumable = resume;
            StartKeepingLocked(0);
        }
        var sent = _sm.Send(new Frame
        {
            To = _smOwner,
            Session = new Session
            {
                Action = Session.Types.Action.SmEnable, C2SSession = Id, SmSession = _smSession ?? "", RequestId = Id + ".sm", SmResume = resume, SmMax = max,
            },
        });
        if (sent) return;
        C2sTelemetry.NotSentToSm("sm-enable", _sm.Link.IsUp);
        lock (_smLock) _smNumbering = false;
        SendSmAnswer(Nonzas.Failed(StanzaErrors.InternalServerError));
    }

    /// <summary>sm's SM_ENABLED, on the link's reader: &lt;enabled/&gt; goes out before any numbered stanza (they follow it on the link).</summary>
    public void OnSmEnabled(Session answer)
    {
        // What CSI held came before the enable: unnumbered, so written before <enabled/>; an inactive client's hold
        // goes on without superseding (every numbered stanza must reach the client).
        List<Packet> held;
        lock (_csiLock)
        {
            held = _held?.TakeAll() ?? [];
            if (_held is not null) _held = new CsiHold(_options.Csi.MaxHeldBytes, supersede: false);
        }
        foreach (var packet in held) DeliverNow(packet);
        lock (_smLock)
        {
            if (!_smNumbering || _smEnabled) return;
            _smEnabled = true;
            _smResumeId = answer.SmResumeId.Length > 0 ? answer.SmResumeId : null;
            _smResumable = _smResumeId is not null;
            _smOutNext = 1;
            _smOutKnown = true;
            _smMax = answer.SmMax;
            SendSmAnswer(Nonzas.Enabled(_smResumeId, answer.SmMax));
        }
        C2sTelemetry.StreamManagement("enabled");
        _logger.LogDebug("Connection {Id}: stream management enabled (resumable {Resumable})", Id, _smResumable);
    }

    public void OnSmEnableFailed(string reason)
    {
        lock (_smLock)
        {
            if (_smEnabled) return;
            _smNumbering = false;
            _unconfirmed = null;
        }
        _logger.LogWarning("Connection {Id}: sm refused to enable stream management: {Reason}", Id, reason);
        SendSmAnswer(Nonzas.Failed(reason == StanzaErrors.UnexpectedRequest ? reason : StanzaErrors.InternalServerError));
    }

    /// <summary>The number of the client's next stanza (read loop), or null when its stanzas are not numbered.</summary>
    private uint? NextInbound()
    {
        lock (_smLock)
        {
            if (!_smNumbering) return null;
            return unchecked(++_smInbound);
        }
    }

    /// <summary>
    /// c2s answers the client's stanza itself (an error, a result). With stream management the answer
    /// goes through sm (a loopback packet), which counts the client's stanza and numbers the answer.
    /// Before sm confirmed the enable the answer is written at once (before &lt;enabled/&gt;, so not counted
    /// by the client) and sm only counts the client's stanza.
    /// </summary>
    private void AnswerClient(XElement stanza)
    {
        uint seq;
        bool enabled;
        lock (_smLock)
        {
            if (!_smNumbering)
            {
                Send(StanzaCodec.ToText(stanza));
                return;
            }
            seq = unchecked(++_smInbound);
            enabled = _smEnabled;
            if (!enabled) Send(StanzaCodec.ToText(stanza));
        }
        var loopback = new Frame
        {
            To = _smOwner,
            Packet = new Packet
            {
                C2SSession = Id,
                SmSession = _smSession ?? "",
                SmSeq = seq,
                Loopback = true,
                Stanza = enabled ? UnsafeByteOperations.UnsafeWrap(StanzaCodec.ToBytes(stanza)) : ByteString.Empty,
                Kind = stanza.Name.LocalName,
                Type = (string?)stanza.Attribute("type") ?? "",
                StanzaTo = (string?)stanza.Attribute("to") ?? "",
                StanzaFrom = (string?)stanza.Attribute("from") ?? "",
            },
        };
        KeepUnconfirmed(loopback); // sent again if the router link loses it
        if (!_sm.Send(loopback))
        {
            C2sTelemetry.NotSentToSm("loopback", _sm.Link.IsUp);
            CloseForResumption(StreamErrors.ResourceConstraint, "the server is busy; resume the stream");
        }
    }

    /// <summary>A numbered stanza from sm (link reader): true to write it; a duplicate is dropped, after a gap sm is asked to send again (ClientConnection.StreamRepair.cs).</summary>
    private bool AcceptNumbered(Packet packet)
    {
        var seq = packet.SmSeq;
        uint lastWritten;
        lock (_smLock)
        {
            if (!_smOutKnown)
            {
                _smOutNext = seq;
                _smOutKnown = true;
            }
            if (seq == _smOutNext)
            {
                _smOutNext = unchecked(seq + 1);
                return true;
            }
            if (unchecked((int)(seq - _smOutNext)) < 0)
            {
                _logger.LogInformation("Connection {Id}: stanza #{Seq} from sm came twice; dropped", Id, seq);
                C2sTelemetry.StreamManagement("duplicate");
                return false;
            }
            // Frames were lost on the way (a router restart): sm keeps what the client has not acknowledged and sends it again.
            C2sTelemetry.StreamManagement("gap");
            lastWritten = unchecked(_smOutNext - 1);
            if (!ShouldAskResendLocked(lastWritten)) return false;
        }
        _logger.LogInformation("Connection {Id}: stanza #{Seq} from sm, #{Expected} expected: stanzas were lost on the way; asking sm to send them again",
            Id, seq, unchecked(lastWritten + 1));
        AskResend(lastWritten);
        return false;
    }

    /// <summary>A numbered stanza was queued for the client: ask for an ack after AckRequestEvery of them or AckRequestDelay.</summary>
    private void CountForAckRequest()
    {
        lock (_smLock)
        {
            if (++_smUnrequested >= _options.StreamManagement.AckRequestEvery)
            {
                RequestAckLocked();
                return;
            }
            _smAckTimer ??= new Timer(static state => ((ClientConnection)state!).OnAckTimer(), this, _options.StreamManagement.AckRequestDelay, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnAckTimer()
    {
        lock (_smLock)
        {
            if (_smUnrequested > 0 && Volatile.Read(ref _closing) == 0) RequestAckLocked();
            else StopAckTimerLocked();
        }
    }

    private void RequestAckLocked()
    {
        _smUnrequested = 0;
        StopAckTimerLocked();
        Send(Nonzas.Request);
    }

    private void StopAckTimerLocked()
    {
        _smAckTimer?.Dispose();
        _smAckTimer = null;
    }

    /// <summary>The client's &lt;r/&gt;: sm says how many of its stanzas it has taken (SM_ANSWER, then <see cref="OnSmAnswer"/>).</summary>
    private void OnClientRequest()
    {
        if (!SmNumbering())
        {
            Send(Nonzas.Failed(StanzaErrors.UnexpectedRequest));
            return;
        }
        var sent = _sm.Send(new Frame
        {
            To = _smOwner,
            Session = new Session { Action = Session.Types.Action.SmRequest, C2SSession = Id, SmSession = _smSession ?? "" },
        });
        if (!sent)
        {
            C2sTelemetry.NotSentToSm("sm-request", _sm.Link.IsUp);
            CloseForResumption(StreamErrors.ResourceConstraint, "the server is busy; resume the stream");
        }
    }

    private bool SmNumbering()
    {
        lock (_smLock) return _smNumbering;
    }

    /// <summary>sm's SM_ANSWER (link reader): the client's stanzas up to h are taken.</summary>
    public void OnSmAnswer(uint h) => Send(Nonzas.Ack(h));

    /// <summary>The client's &lt;a h/&gt;: sm drops what it covers. Forwarded only when h moved.</summary>
    private void OnClientAck(XElement element)
    {
        if (!SmNumbering())
        {
            Send(Nonzas.Failed(StanzaErrors.UnexpectedRequest));
            return;
        }
        if (!Nonzas.TryH(element, out var h))
        {
            CloseWithStreamError(StreamErrors.InvalidXml, "<a/> needs an h attribute (an unsigned 32-bit number)");
            return;
        }
        if (_smAckSent && h == _smLastAckSent) return;
        _smAckSent = true;
        _smLastAckSent = h;
        if (!_sm.Send(new Frame { To = _smOwner, Session = new Session { Action = Session.Types.Action.SmAck, C2SSession = Id, SmSession = _smSession ?? "", SmH = h } }))
            C2sTelemetry.NotSentToSm("sm-ack", _sm.Link.IsUp); // the next <a/> carries a later h; until then sm keeps a little more
    }

    /// <summary>
    /// &lt;resume previd h/&gt; after authentication: sm moves the session to this connection
    /// (RESUMED, then <see cref="TryAcceptResumed"/> on the link's reader writes &lt;resumed/&gt;, and
    /// the stanzas the client's h does not cover follow) or refuses (&lt;failed/&gt;; the client may bind).
    /// True when resumed.
    /// </summary>
    public async Task<bool> ResumeStreamAsync(string previd, uint h, CancellationToken ct)
    {
        if (_stage != StreamStage.Authenticated || _pendingResume is not null)
        {
            SendSmAnswer(Nonzas.Failed(StanzaErrors.UnexpectedRequest));
            return false;
        }
        _stage = StreamStage.Binding;
        var requestId = $"{Id}.r{Interlocked.Increment(ref _startCounter)}";
        var resumed = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingResumeId = requestId;
        _pendingPrevId = previd;
        _pendingResume = resumed;
        var sent = _sm.Send(new Frame
        {
            To = _sm.SmAddress,
            Session = new Session
            {
                Action = Session.Types.Action.Resume, C2SSession = Id, Target = _localPart + "@" + _options.Domain, RequestId = requestId, SmResumeId = previd, SmH = h,
            },
        });
        string? failure;
        try
        {
            failure = sent ? await resumed.Task.WaitAsync(_options.StreamManagement.ResumeTimeout, ct) : "router-unavailable";
        }
        catch (TimeoutException)
        {
            failure = "timeout";
        }
        _pendingResume = null;
        _pendingResumeId = null;
        if (failure is null)
        {
            StopLoginTimer();
            _logger.LogInformation("Connection {Id} resumed session {Session} of {Jid}", Id, _smSession, _jid);
            return true;
        }
        _stage = StreamStage.Authenticated;
        C2sTelemetry.StreamManagement("resume-failed");
        _logger.LogInformation("Connection {Id}: resumption refused: {Reason}", Id, failure);
        SendSmAnswer(Nonzas.Failed(failure == "item-not-found" ? StanzaErrors.ItemNotFound : StanzaErrors.InternalServerError));
        return false;
    }

    /// <summary>sm's RESUMED, on the link's reader: false if this resumption is no longer awaited.</summary>
    public bool TryAcceptResumed(Session answer, string smAddress)
    {
        if (_pendingResume is not { } pending || _pendingResumeId != answer.RequestId || !Jid.TryParse(answer.Target, out var jid)) return false;
        _smSession = answer.SmSession;
        _smOwner = smAddress;
        _jid = jid;
        lock (_smLock)
        {
            _smNumbering = true;
            _smEnabled = true;
            _smResumable = true;
            _smResumeId = answer.SmResumeId;
            _smInbound = answer.SmH; // the client resends from the next one
            StartKeepingLocked(answer.SmH);
            _smOutKnown = false;     // the first stanza sm sends again sets where numbering continues
            _stage = StreamStage.Established;
            SendSmAnswer(Nonzas.Resumed(_pendingPrevId, answer.SmH)); // in the lock: before the stanzas sm sends again
        }
        C2sTelemetry.StreamManagement("resumed");
        return pending.TrySetResult(null);
    }

    public void OnResumeFailed(string requestId, string reason)
    {
        if (_pendingResume is { } pending && _pendingResumeId == requestId) pending.TrySetResult(reason);
    }

    /// <summary>
    /// The answer to an &lt;enable/&gt; or &lt;resume/&gt;: to whoever negotiates inline (SASL2, once), else onto the stream.
    /// Called where the answer must precede what follows it (in <see cref="_smLock"/>, on the link's reader).
    /// </summary>
    private void SendSmAnswer(string nonza)
    {
        if (Interlocked.Exchange(ref _smInlineAnswer, null) is { } inline) inline(nonza);
        else Send(nonza);
    }

    /// <summary>Closes the stream with a stream error but keeps a resumable session for the client to resume (detached, not ended).</summary>
    private void CloseForResumption(string condition, string text)
    {
        Interlocked.CompareExchange(ref _smCloseKind, CloseDetached, CloseDropped);
        CloseWithStreamError(condition, text);
    }

    /// <summary>The stream is over by the client's or c2s's decision (not a dropped connection): the session ends.</summary>
    private void MarkStreamEnded(string? condition = null)
    {
        if (condition == StreamErrors.SystemShutdown) Interlocked.CompareExchange(ref _smCloseKind, CloseDetached, CloseDropped);
        else Interlocked.CompareExchange(ref _smCloseKind, CloseEnded, CloseDropped);
    }

    /// <summary>Whether the session should wait for a resumption instead of ending.</summary>
    private bool DetachOnClose()
    {
        lock (_smLock)
        {
            StopAckTimerLocked();
            return _smEnabled && _smResumable && Volatile.Read(ref _smCloseKind) != CloseEnded;
        }
    }

    /// <summary>Whether sm keeps <paramref name="packet"/> for this client itself (numbered): then it is never returned as undelivered.</summary>
    private static bool HeldBySm(Packet packet) => packet.HasSmSeq;
}
