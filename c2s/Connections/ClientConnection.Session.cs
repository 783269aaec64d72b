using System.Xml.Linq;
using Google.Protobuf;
using Xmpp.C2s.Protocol;
using Xmpp.C2s.Telemetry;
using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Common.Xml;
using Xmpp.Protos;

namespace Xmpp.C2s.Connections;

/// <summary>The established session: client stanzas go to sm as packets; sm's packets and actions come back.</summary>
public sealed partial class ClientConnection
{
    private Jid? _jid;
    private volatile string? _smSession;
    private string _smOwner = "";
    private int _smSessionOver;

    public bool OwnsSmSession(string smSession) => smSession.Length > 0 && _smSession == smSession;

    private void OnSessionStanza(XElement stanza)
    {
        var payload = stanza.Elements().FirstOrDefault();
        if (stanza.Name.LocalName == "iq" && (string?)stanza.Attribute("type") == "set" && payload is not null &&
            ((string?)stanza.Attribute("to") is null || (string?)stanza.Attribute("to") == _options.Domain))
        {
            if (payload.Name == LegacySessionName)
            {
                SendStanza(Result(stanza));
                return;
            }
            if (payload.Name == BindName)
            {
                SendStanza(StanzaErrors.Reply(stanza, StanzaErrors.Cancel, StanzaErrors.NotAllowed, "a resource is already bound"));
                return;
            }
        }

        switch (ClientStanzaRules.Check(stanza, _jid!))
        {
            case ClientStanzaRules.Verdict.StreamError error:
                CloseWithStreamError(error.Condition, error.Text);
                break;
            case ClientStanzaRules.Verdict.Reject reject:
                SendStanza(reject.Error);
                break;
            case ClientStanzaRules.Verdict.Forward forward:
                Forward(forward);
                break;
        }
    }

    private void Forward(ClientStanzaRules.Verdict.Forward forward)
    {
        var seq = NextInbound(); // XEP-0198: the client's stanza number, in reading order
        var frame = new Frame
        {
            To = _smOwner,
            Packet = new Packet
            {
                C2SSession = Id,
                SmSession = _smSession ?? "",
                Stanza = UnsafeByteOperations.UnsafeWrap(StanzaCodec.ToBytes(forward.Stanza)), // a fresh array nobody else holds
                Kind = forward.Kind,
                Type = forward.Type,
                StanzaTo = forward.To,
                StanzaFrom = _jid!.ToString(),
            },
        };
        if (seq is { } number) frame.Packet.SmSeq = number;
        KeepUnconfirmed(frame); // XEP-0198: sent again if the router link loses it (ClientConnection.StreamRepair.cs)
        RememberForReattach(frame, forward.Stanza);
        if (TryHold(frame, forward.Stanza)) return; // sm is away: it waits (ClientConnection.Reattach.cs)
        using var span = C2sTelemetry.StanzaReceived(frame); // the frame carries its trace context to sm
        var sent = _sm.Send(frame);
        if (!sent)
        {
            C2sTelemetry.SendFailed(span);
            C2sTelemetry.NotSentToSm(forward.Kind, _sm.Link.IsUp);
            if (_notSentWarnings.ShouldReport(out var refused))
                _logger.LogWarning("Connection {Id}: the router link would not take {Count} client stanzas ({State}); each was answered with an error unless presence or a result",
                    Id, refused, _sm.Link.IsUp ? "its queue is full" : "it is down and its offline queue is full");
        }
        if (!sent && seq is not null)
        {
            // The client counts this stanza as sent: no error it would count, a resumption resends it instead.
            CloseForResumption(StreamErrors.ResourceConstraint, "the server is busy; resume the stream");
            return;
        }
        if (!sent && forward.Kind != "presence" && forward.Type is not ("error" or "result"))
            SendStanza(_sm.Link.IsUp // up: its send queue is full (Router:MaxSendQueueBytes)
                ? StanzaErrors.Reply(forward.Stanza, StanzaErrors.Wait, StanzaErrors.ResourceConstraint, "the server is busy; try again later")
                : StanzaErrors.Reply(forward.Stanza, StanzaErrors.Wait, StanzaErrors.InternalServerError, "the session manager is not reachable"));
    }

    private readonly Common.Link.RateLimitedCount _notSentWarnings = new();

    /// <summary>c2s's own answer to a client stanza (numbered through sm once the client enabled stream management, see AnswerClient).</summary>
    private void SendStanza(XElement stanza) => AnswerClient(stanza);

    /// <summary>sm ended the session unasked (conflict, account deleted, shutdown) or does not know it.</summary>
    public void OnEndedBySm(string reason)
    {
        if (reason == "unknown-session" && _stage == StreamStage.Established)
        {
            Reattach(); // sm lost it (a restart, or a router outage): take it back rather than end the stream
            return;
        }
        Interlocked.Exchange(ref _smSessionOver, 1);
        var condition = reason switch
        {
            "conflict" => StreamErrors.Conflict,
            "user-deleted" => StreamErrors.NotAuthorized,
            "system-shutdown" => StreamErrors.SystemShutdown,
            "unknown-session" => StreamErrors.InternalServerError,
            "invalid-from" => StreamErrors.InvalidFrom,
            "kicked" => StreamErrors.PolicyViolation,
            "resumed" => StreamErrors.Conflict,                 // XEP-0198: the session went on on a new connection
            "resync" => StreamErrors.ResourceConstraint,        // stanzas were lost between c2s and sm: resume to resend them
            "unacked-overflow" => StreamErrors.PolicyViolation, // Sm:StreamManagement:MaxUnackedBytes
            _ => StreamErrors.UndefinedCondition,
        };
        var text = reason switch
        {
            "conflict" => "replaced by a new session for the same resource",
            "user-deleted" => "account deleted",
            "kicked" => "your session was ended by an administrator",
            "resumed" => "the session was resumed on another connection",
            "resync" => "stanzas were lost on the way; resume the stream",
            "unacked-overflow" => "too many unacknowledged stanzas",
            _ => null,
        };
        CloseWithStreamError(condition, text);
    }

    /// <summary>sm went away (its link dropped, or a packet could not be routed to it).</summary>
    public void OnSmUnreachable()
    {
        Interlocked.Exchange(ref _smSessionOver, 1);
        CloseWithStreamError(StreamErrors.InternalServerError, "the session manager is not available");
    }

    /// <summary>
    /// Tells sm the session is over, once, unless sm ended it itself; a resumable session whose
    /// connection dropped (XEP-0198) is detached instead, to wait for its client.
    /// </summary>
    private void EndSmSession()
    {
        if (_smSession is not { } smSession || Interlocked.Exchange(ref _smSessionOver, 1) == 1) return;
        var detach = DetachOnClose(); // XEP-0198: also when this c2s stops (ClientConnection.StreamManagement.cs)
        var sent = _sm.Send(new Frame
        {
            To = _smOwner,
            Session = new Session { Action = detach ? Session.Types.Action.Detach : Session.Types.Action.End, C2SSession = Id, SmSession = smSession },
        });
        if (detach) _logger.LogInformation("Connection {Id}: session {Session} detached; its client may resume it", Id, smSession);
        if (!sent)
        {
            // sm ends it when it next sends this session something (self-healing) or when this c2s's link drops.
            _logger.LogWarning("Connection {Id}: the END of session {Session} could not be sent to sm", Id, smSession);
            C2sTelemetry.NotSentToSm("session-end", _sm.Link.IsUp);
        }
    }
}
