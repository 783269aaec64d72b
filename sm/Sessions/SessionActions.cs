using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Protos;
using Xmpp.Sm.Auth;
using Xmpp.Sm.Core;
using Xmpp.Sm.Storage;
using Action = Xmpp.Protos.Session.Types.Action;

namespace Xmpp.Sm.Sessions;

/// <summary>
/// The session actions of the sm-c2s protocol (see protos/router.proto): each request is answered
/// to its sender with the paired action and the request id echoed; a failure is the request's
/// own action with failed = true and a reason, never a bounced stanza.
/// </summary>
public sealed class SessionActions(SmOptions options, SessionTable sessions, SessionLifecycle lifecycle, IAccountStore accounts, AccountAdmin admin, AuthActions auth, Outbox outbox, ILogger logger)
{
    /// <summary>XEP-0198 state, for a re-attach of a session with stream management (set once by SessionManager).</summary>
    internal StreamManagement.StreamManagementService? Streams { get; set; }

    public static class Reasons
    {
        public const string UserNotFound = "user-not-found";
        public const string Conflict = "conflict";
        public const string BadTarget = "bad-target";
        public const string HostUnknown = "host-unknown";
        public const string BadRequest = "bad-request";
        public const string UnknownSession = "unknown-session";
        public const string InternalError = "internal-error";
        public const string Forbidden = "forbidden";
    }

    /// <summary>A c2s (XEP-0077 through a client) rather than an administrator (xmppctl, ctl/*): the router lets each role send only its own actions.</summary>
    private static bool FromC2s(Frame frame) => frame.From.StartsWith("c2s/", StringComparison.Ordinal);

    public void Handle(Frame frame)
    {
        var request = frame.Session;
        try
        {
            switch (request.Action)
            {
                case Action.Start: Start(frame); break;
                case Action.End: End(frame); break;
                case Action.Create: Create(frame); break;
                case Action.Delete: Delete(frame); break;
                case Action.Auth: Auth(frame); break;
                case Action.Passwd: Passwd(frame); break;
                case Action.List: List(frame); break;
                case Action.Online: Online(frame); break;
                case Action.Kick: Kick(frame); break;
                case Action.Announce: Announce(frame); break;
                default: AnswerOrBounce(frame); break;
            }
        }
        catch (Exception e)
        {
            logger.LogError(e, "{Action} for {Target} from {From} failed", request.Action, request.Target, frame.From);
            Fail(frame, Reasons.InternalError);
        }
    }

    private void Start(Frame frame)
    {
        var request = frame.Session;
        if (!TryTarget(frame, full: true, out var jid)) return;
        if (request.C2SSession.Length == 0)
        {
            Fail(frame, Reasons.BadRequest);
            return;
        }
        if (!accounts.Exists(jid.Bare.ToString()))
        {
            Fail(frame, Reasons.UserNotFound);
            return;
        }

        var existing = sessions.FindFull(jid);
        if (existing is not null && existing.IsOwnedBy(frame.From, request.C2SSession))
        {
            Answer(frame, Action.Started, smSession: existing.Id); // a repeated START: same session
            return;
        }
        if (existing is not null) lifecycle.End(existing, EndReasons.Conflict, tellC2s: true);

        var session = lifecycle.Start(jid, frame.From, request.C2SSession);
        if (request.Reattach) // c2s takes back a session its client kept (issue 20: after an sm restart or a resync)
        {
            session.Interested = request.RosterInterest;
            logger.LogInformation("Session {Session} re-attached for {Jid} by {C2s}", session.Id, jid, frame.From);
            if (request.SmStream) Streams?.Restore(session, request); // XEP-0198: the stream's counters as the old sm stored them or c2s has them
        }
        Answer(frame, Action.Started, smSession: session.Id);
        if (request.Reattach && request.SmStream) Streams?.Continue(session, request.SmOut); // after STARTED: where c2s resumes, what it has not written
    }

    /// <summary>END's reason when c2s moved the session to another shard (protos/router.proto, "sm shards").</summary>
    public const string MovedReason = "moved";

    private void End(Frame frame)
    {
        var request = frame.Session;
        var session = sessions.Find(request.SmSession);
        if (session is null || !session.IsOwnedBy(frame.From, request.C2SSession))
        {
            Fail(frame, Reasons.UnknownSession);
            return;
        }
        // sm shards: a session c2s moved to the shard that owns its account now goes on there; its contacts must not see it leave.
        if (request.Reason == MovedReason) session.Available = false;
        lifecycle.End(session, EndReasons.Requested, tellC2s: false);
        Answer(frame, Action.Ended);
    }

    /// <summary>
    /// CREATE from an administrator, or from a c2s for a client's in-band registration (XEP-0077):
    /// the modules' policy decides (registration enabled, names reserved after a deletion), see
    /// <see cref="AccountAdmin.Create"/>; a refusal is the reason ("forbidden", "reserved", "conflict").
    /// </summary>
    private void Create(Frame frame)
    {
        if (!TryTarget(frame, full: false, out var jid)) return;
        var credentials = CredentialsMapping.FromWire(frame.Session.Credentials);
        if (credentials is null)
        {
            Fail(frame, Reasons.BadRequest);
            return;
        }
        if (admin.Create(jid, credentials, FromC2s(frame) ? AccountRequester.Client : AccountRequester.Admin) is { } refusal)
        {
            Fail(frame, refusal);
            return;
        }
        Answer(frame, Action.Created);
    }

    private void Delete(Frame frame)
    {
        if (!TryTarget(frame, full: false, out var jid)) return;
        if (!admin.Delete(jid))
        {
            Fail(frame, Reasons.UserNotFound);
            return;
        }
        Answer(frame, Action.Deleted);
    }

    /// <summary>One SASL step checked here, where the keys are (sm/Auth/); the answer never carries a key.</summary>
    private void Auth(Frame frame)
    {
        if (!TryTarget(frame, full: false, out var jid)) return;
        var (result, failure) = auth.Handle(jid, frame.Session.Sasl);
        if (failure is not null)
        {
            Fail(frame, failure);
            return;
        }
        var answer = SessionAnswers.For(frame.Session, Action.Authed);
        answer.SaslResult = result;
        outbox.Session(frame.From, answer);
    }

    /// <summary>
    /// PASSWD from an administrator, or from a c2s for a logged-in client's own password change
    /// (XEP-0077 §3.3): then the request must name a live session of that c2s whose user is the target.
    /// </summary>
    private void Passwd(Frame frame)
    {
        if (!TryTarget(frame, full: false, out var jid)) return;
        var credentials = CredentialsMapping.FromWire(frame.Session.Credentials);
        if (credentials is null)
        {
            Fail(frame, Reasons.BadRequest);
            return;
        }
        if (FromC2s(frame) && (sessions.Find(frame.Session.SmSession) is not { } session ||
            !session.IsOwnedBy(frame.From, frame.Session.C2SSession) || session.BareJid != jid))
        {
            logger.LogWarning("PASSWD for {User} from {From} refused: not a session of that user on that c2s", jid, frame.From);
            Fail(frame, Reasons.Forbidden);
            return;
        }
        if (!admin.SetCredentials(jid, credentials))
        {
            Fail(frame, Reasons.UserNotFound);
            return;
        }
        Answer(frame, Action.PasswdDone);
    }

    private void List(Frame frame)
    {
        var answer = SessionAnswers.For(frame.Session, Action.Listed);
        answer.Users.AddRange(accounts.List());
        outbox.Session(frame.From, answer);
    }

    /// <summary>ONLINE (xmppctl online): the live sessions' full JIDs.</summary>
    private void Online(Frame frame)
    {
        var answer = SessionAnswers.For(frame.Session, Action.OnlineList);
        answer.Users.AddRange(admin.Online());
        outbox.Session(frame.From, answer);
    }

    /// <summary>KICK (xmppctl kick): ends the target's sessions (bare: all; full: that one); KICKED names them.</summary>
    private void Kick(Frame frame)
    {
        if (!Jid.TryParse(frame.Session.Target, out var jid) || jid.Local is null)
        {
            Fail(frame, Reasons.BadTarget);
            return;
        }
        if (jid.Domain != options.Domain)
        {
            Fail(frame, Reasons.HostUnknown);
            return;
        }
        var answer = SessionAnswers.For(frame.Session, Action.Kicked);
        answer.Users.AddRange(admin.Kick(jid));
        outbox.Session(frame.From, answer);
    }

    /// <summary>ANNOUNCE (xmppctl announce): a headline to every live session; ANNOUNCED names them.</summary>
    private void Announce(Frame frame)
    {
        if (frame.Session.Announcement.Length == 0)
        {
            Fail(frame, Reasons.BadRequest);
            return;
        }
        var answer = SessionAnswers.For(frame.Session, Action.Announced);
        answer.Users.AddRange(admin.Announce(frame.Session.Subject, frame.Session.Announcement));
        outbox.Session(frame.From, answer);
    }

    /// <summary>
    /// Anything that is not a request (an answer bounced by the router, ACTION_NONE) is never
    /// answered, so two components can't ping-pong failures.
    /// </summary>
    private void AnswerOrBounce(Frame frame)
    {
        var s = frame.Session;
        if (s.Action == Action.None)
            Fail(frame, Reasons.BadRequest);
        else
            logger.LogDebug("Ignored a {Action} from {From} (failed={Failed}, reason={Reason})", s.Action, frame.From, s.Failed, s.Reason);
    }

    /// <summary>Parses the target as a user of this domain; answers the failure itself and returns false otherwise.</summary>
    private bool TryTarget(Frame frame, bool full, [NotNullWhen(true)] out Jid? jid)
    {
        jid = null;
        if (!Jid.TryParse(frame.Session.Target, out var parsed) || parsed.Local is null || parsed.IsFull != full)
        {
            Fail(frame, Reasons.BadTarget);
            return false;
        }
        if (parsed.Domain != options.Domain)
        {
            Fail(frame, Reasons.HostUnknown);
            return false;
        }
        jid = parsed;
        return true;
    }

    private void Answer(Frame frame, Action action, string? smSession = null)
    {
        var answer = SessionAnswers.For(frame.Session, action);
        if (smSession is not null) answer.SmSession = smSession;
        outbox.Session(frame.From, answer);
    }

    private void Fail(Frame frame, string reason) => outbox.Session(frame.From, SessionAnswers.Failed(frame.Session, reason));
}
