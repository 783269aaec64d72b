using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Protos;
using Xmpp.Sm.Core;

namespace Xmpp.Sm.Sessions;

/// <summary>
/// Adds sessions to and removes them from the table, telling modules (<see cref="SessionStarted"/>,
/// <see cref="SessionEnded"/>) and, for sessions sm ends on its own, the owning c2s (unasked ENDED).
/// </summary>
public sealed class SessionLifecycle(SessionTable table, HookTable hooks, Outbox outbox, ILogger logger)
{
    public SmSession Start(Jid fullJid, string c2sAddress, string c2sSession)
    {
        var session = new SmSession(table.NewId(), fullJid, c2sAddress, c2sSession);
        table.Add(session);
        logger.LogInformation("Session {Session} started for {Jid} on {C2s}", session.Id, fullJid, c2sAddress);
        hooks.Raise(new SessionStarted(session));
        return session;
    }

    /// <summary>Ends one session. With <paramref name="tellC2s"/>, its c2s gets an unasked ENDED with the reason.</summary>
    public void End(SmSession session, string reason, bool tellC2s) => EndAll([session], reason, tellC2s);

    /// <summary>
    /// Ends several sessions at once: all leave the table before anyone is told, so sessions ending
    /// together (a user deleted, a c2s gone) don't get each other's unavailable presence.
    /// </summary>
    public void EndAll(IReadOnlyCollection<SmSession> sessions, string reason, bool tellC2s)
    {
        var removed = sessions.Where(table.Remove).ToArray();
        foreach (var session in removed)
        {
            logger.LogInformation("Session {Session} of {Jid} ended: {Reason}", session.Id, session.FullJid, reason);
            if (tellC2s)
                outbox.Session(session.C2sAddress, new Session
                {
                    Action = Session.Types.Action.Ended,
                    C2SSession = session.C2sSession,
                    SmSession = session.Id,
                    Target = session.FullJid.ToString(),
                    Reason = reason,
                });
            hooks.Raise(new SessionEnded(session, reason));
        }
    }
}
