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
public sealed class SessionActions(SmOptions options, SessionTable sessions, SessionLifecycle lifecycle, IAccountStore accounts, ModuleData moduleData, AuthActions auth, Outbox outbox, ILogger logger)
{
    public static class Reasons
    {
        public const string UserNotFound = "user-not-found";
        public const string Conflict = "conflict";
        public const string BadTarget = "bad-target";
        public const string HostUnknown = "host-unknown";
        public const string BadRequest = "bad-request";
        public const string UnknownSession = "unknown-session";
        public const string InternalError = "internal-error";
    }

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
        Answer(frame, Action.Started, smSession: session.Id);
    }

    private void End(Frame frame)
    {
        var request = frame.Session;
        var session = sessions.Find(request.SmSession);
        if (session is null || !session.IsOwnedBy(frame.From, request.C2SSession))
        {
            Fail(frame, Reasons.UnknownSession);
            return;
        }
        lifecycle.End(session, EndReasons.Requested, tellC2s: false);
        Answer(frame, Action.Ended);
    }

    private void Create(Frame frame)
    {
        if (!TryTarget(frame, full: false, out var jid)) return;
        var credentials = CredentialsMapping.FromWire(frame.Session.Credentials);
        if (credentials is null)
        {
            Fail(frame, Reasons.BadRequest);
            return;
        }
        if (!accounts.Create(jid.ToString(), credentials))
        {
            Fail(frame, Reasons.Conflict);
            return;
        }
        logger.LogInformation("Account {User} created", jid);
        Answer(frame, Action.Created);
    }

    private void Delete(Frame frame)
    {
        if (!TryTarget(frame, full: false, out var jid)) return;
        if (!accounts.Exists(jid.ToString()))
        {
            Fail(frame, Reasons.UserNotFound);
            return;
        }
        lifecycle.EndAll(sessions.OfUser(jid), EndReasons.UserDeleted, tellC2s: true);
        moduleData.DeleteAccount(jid); // the core tables and every module's data, in one transaction
        logger.LogInformation("Account {User} deleted with all its data", jid);
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
        var answer = AnswerFor(frame.Session, Action.Authed);
        answer.SaslResult = result;
        outbox.Session(frame.From, answer);
    }

    private void Passwd(Frame frame)
    {
        if (!TryTarget(frame, full: false, out var jid)) return;
        var credentials = CredentialsMapping.FromWire(frame.Session.Credentials);
        if (credentials is null)
        {
            Fail(frame, Reasons.BadRequest);
            return;
        }
        if (!accounts.SetCredentials(jid.ToString(), credentials))
        {
            Fail(frame, Reasons.UserNotFound);
            return;
        }
        logger.LogInformation("Credentials of {User} replaced", jid);
        Answer(frame, Action.PasswdDone);
    }

    private void List(Frame frame)
    {
        var answer = AnswerFor(frame.Session, Action.Listed);
        answer.Users.AddRange(accounts.List());
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

    private static Session AnswerFor(Session request, Action action) => new()
    {
        Action = action,
        C2SSession = request.C2SSession,
        SmSession = request.SmSession,
        Target = request.Target,
        RequestId = request.RequestId,
    };

    private void Answer(Frame frame, Action action, string? smSession = null)
    {
        var answer = AnswerFor(frame.Session, action);
        if (smSession is not null) answer.SmSession = smSession;
        outbox.Session(frame.From, answer);
    }

    private void Fail(Frame frame, string reason)
    {
        var answer = AnswerFor(frame.Session, frame.Session.Action);
        answer.Failed = true;
        answer.Reason = reason;
        outbox.Session(frame.From, answer);
    }
}
