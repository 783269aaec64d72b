using Xmpp.C2s.Protocol;
using Xmpp.C2s.Telemetry;
using Xmpp.Common.Xml;
using Xmpp.Protos;

namespace Xmpp.C2s.Connections;

/// <summary>
/// XEP-0198 repair of frames lost on the router link (a router restart), invisible to the client
/// (protos/router.proto, "Repair"). c2s keeps the client's numbered stanzas until sm confirms it
/// took them (<see cref="UnconfirmedStanzas"/>, C2s:StreamManagement:MaxUnconfirmedBytes; it asks
/// with an SM_REQUEST "c2s:&lt;last&gt;" every C2s:StreamManagement:ConfirmEvery stanzas and after a
/// re-link) and sends again what sm lacks (sm's SM_RESEND, or a confirmation short of what was sent
/// before the request). A gap in sm's numbered stanzas is answered by dropping what does not follow
/// on and asking sm (SM_RESEND) to send again from the first c2s lacks. Only a loss reaching back
/// past what the bound let c2s keep closes the stream for a resumption (logged, counted).
/// </summary>
public sealed partial class ClientConnection
{
    private const string ConfirmPrefix = "c2s:";
    private static readonly TimeSpan AskResendAgain = TimeSpan.FromSeconds(1);

    private UnconfirmedStanzas? _unconfirmed;  // guarded by _smLock: set while the client's stanzas are numbered
    private int _unconfirmedSinceRequest;      // guarded by _smLock
    private uint _smMax;                       // guarded by _smLock: the resumption timeout sm granted (for a re-attach)
    private uint? _resendAskedAfter;           // guarded by _smLock: the last of sm's numbers c2s asked sm to resend after
    private long _resendAskedAt;               // guarded by _smLock: Environment.TickCount64 of that request

    /// <summary>Starts keeping the client's stanzas from <paramref name="confirmed"/> on (enable: 0; resumption: sm's h). In <see cref="_smLock"/>.</summary>
    private void StartKeepingLocked(uint confirmed)
    {
        _unconfirmed = new UnconfirmedStanzas(_options.StreamManagement.MaxUnconfirmedBytes);
        _unconfirmed.Rebase(confirmed);
        _unconfirmedSinceRequest = 0;
        _resendAskedAfter = null;
    }

    /// <summary>A numbered client frame on its way to sm: kept until sm confirms it; every ConfirmEvery of them c2s asks sm how far it got.</summary>
    private void KeepUnconfirmed(Frame frame)
    {
        uint? askUpTo = null;
        lock (_smLock)
        {
            if (_unconfirmed is not { } kept || !frame.Packet.HasSmSeq) return;
            if (!kept.Add(frame))
            {
                C2sTelemetry.StreamManagement("unconfirmed-forgotten");
                if (_forgetWarnings.ShouldReport(out var count))
                    _logger.LogWarning("Connection {Id}: {Count} client stanzas not yet confirmed by sm were forgotten (C2s:StreamManagement:MaxUnconfirmedBytes {Bytes}); a loss among them closes the stream for a resumption",
                        Id, count, _options.StreamManagement.MaxUnconfirmedBytes);
            }
            if (++_unconfirmedSinceRequest >= _options.StreamManagement.ConfirmEvery)
            {
                _unconfirmedSinceRequest = 0;
                askUpTo = unchecked(kept.LastSeq - 1); // this one is not sent yet: the request must not overtake it
            }
        }
        if (askUpTo is { } upTo) AskConfirmation(upTo);
    }

    private readonly Common.Link.RateLimitedCount _forgetWarnings = new();

    /// <summary>SM_REQUEST "c2s:&lt;upTo&gt;": sm answers with its h (not written to the client).</summary>
    private void AskConfirmation(uint upTo)
    {
        if (!_sm.Send(new Frame
            {
                To = _smOwner,
                Session = new Session { Action = Session.Types.Action.SmRequest, C2SSession = Id, SmSession = _smSession ?? "", RequestId = ConfirmPrefix + upTo },
            }))
            C2sTelemetry.NotSentToSm("sm-confirm", _sm.Link.IsUp); // the next one asks again
    }

    /// <summary>sm's SM_ANSWER (link reader): confirms the client's stanzas up to h; the client's own &lt;r/&gt; also gets &lt;a h/&gt;.</summary>
    public void OnSmAnswer(Session answer)
    {
        var h = answer.SmH;
        if (!answer.RequestId.StartsWith(ConfirmPrefix, StringComparison.Ordinal) || !uint.TryParse(answer.RequestId.AsSpan(ConfirmPrefix.Length), out var upTo))
        {
            lock (_smLock) _unconfirmed?.Confirm(h);
            OnSmAnswer(h);
            return;
        }
        // Everything sent before the request reached sm before it: what sm did not take of it was lost on the way.
        List<Frame>? again;
        lock (_smLock) again = _unconfirmed?.After(h, upTo);
        SendAgain(again, h, "confirmation");
    }

    /// <summary>sm's SM_RESEND (link reader): sm took the client's stanzas up to h and lacks the next; they go again, in order.</summary>
    public void OnSmResendRequested(uint h)
    {
        List<Frame>? again;
        lock (_smLock)
        {
            if (_unconfirmed is null) return;
            again = _unconfirmed.After(h);
        }
        SendAgain(again, h, "sm asked");
    }

    private void SendAgain(List<Frame>? again, uint h, string why)
    {
        if (again is null)
        {
            C2sTelemetry.StreamManagement("unrepairable");
            _logger.LogWarning("Connection {Id}: sm lacks client stanzas after #{H} that c2s no longer keeps (C2s:StreamManagement:MaxUnconfirmedBytes); closing the stream for a resumption", Id, h);
            CloseForResumption(StreamErrors.ResourceConstraint, "stanzas were lost on the way; resume the stream");
            return;
        }
        if (again.Count == 0) return;
        _logger.LogInformation("Connection {Id}: sm took the client's stanzas up to #{H}; {Count} sent again ({Why})", Id, h, again.Count, why);
        foreach (var kept in again)
        {
            var frame = kept.Clone();
            frame.To = _smOwner;
            frame.From = "";
            frame.RouteError = null;
            frame.Packet.SmSession = _smSession ?? "";
            C2sTelemetry.StreamManagement("resent-to-sm");
            if (!_sm.Send(frame))
            {
                C2sTelemetry.NotSentToSm("resend", _sm.Link.IsUp);
                CloseForResumption(StreamErrors.ResourceConstraint, "the server is busy; resume the stream");
                return;
            }
        }
    }

    /// <summary>A gap in sm's numbered stanzas (in <see cref="_smLock"/>): sm is asked, once a second for the same gap, to send again after the last one written.</summary>
    private bool ShouldAskResendLocked(uint lastWritten)
    {
        var now = Environment.TickCount64;
        if (_resendAskedAfter == lastWritten && now - _resendAskedAt < (long)AskResendAgain.TotalMilliseconds) return false;
        _resendAskedAfter = lastWritten;
        _resendAskedAt = now;
        return true;
    }

    private void AskResend(uint lastWritten)
    {
        C2sTelemetry.StreamManagement("resend-asked");
        if (!_sm.Send(new Frame
            {
                To = _smOwner,
                Session = new Session { Action = Session.Types.Action.SmResend, C2SSession = Id, SmSession = _smSession ?? "", SmH = lastWritten },
            }))
            C2sTelemetry.NotSentToSm("sm-resend", _sm.Link.IsUp); // the next gap asks again
    }

    /// <summary>
    /// The link is back and sm still holds the session: a loss at the very end of a flow (nothing
    /// followed it to show the gap) is repaired too. sm confirms what it took of what was sent; sm
    /// sends again what it sent after the last stanza written to the client.
    /// </summary>
    private void RepairAfterRelink()
    {
        uint upTo, lastWritten;
        lock (_smLock)
        {
            if (!_smEnabled || _unconfirmed is null) return;
            upTo = _unconfirmed.LastSeq;
            if (!_smOutKnown) return; // right after a resumption: sm is sending everything unacknowledged anyway
            lastWritten = unchecked(_smOutNext - 1);
            _resendAskedAfter = lastWritten;
            _resendAskedAt = Environment.TickCount64;
        }
        AskConfirmation(upTo);
        AskResend(lastWritten);
    }

    /// <summary>
    /// START reattach of a session with stream management (sm restarted): the counters the new sm
    /// goes on with. The client's stanzas count as taken up to the last number the old sm confirmed
    /// (every ConfirmEvery stanzas, and all of them when it stopped gracefully); the new sm asks for
    /// the rest again (SM_RESEND) and gets them from what c2s kept, so a stanza the old sm never
    /// handled is not acknowledged to the client without being taken. Of a killed sm, the stanzas
    /// it handled after its last confirmation can come twice: a duplicate, never a loss.
    /// sm's stanzas continue after the last one written to the client.
    /// </summary>
    private void AddStreamCounters(Session start)
    {
        uint? firstHeld = null;
        lock (_holdLock)
            foreach (var held in _waitingForSm)
                if (held.Packet.HasSmSeq && (firstHeld is not { } min || unchecked((int)(held.Packet.SmSeq - min)) < 0))
                    firstHeld = held.Packet.SmSeq;
        lock (_smLock)
        {
            if (!_smEnabled) return;
            var taken = _unconfirmed is { } kept ? kept.Confirmed : firstHeld is { } first ? unchecked(first - 1) : _smInbound;
            start.SmStream = true;
            start.SmH = taken;
            start.SmOut = _smOutKnown ? unchecked(_smOutNext - 1) : 0;
            start.SmResumeId = _smResumable ? _smResumeId ?? "" : "";
            start.SmMax = _smMax;
        }
    }
}
