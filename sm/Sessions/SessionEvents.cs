using System.Xml.Linq;

namespace Xmpp.Sm.Sessions;

/// <summary>A session was added to the table.</summary>
public sealed record SessionStarted(SmSession Session);

/// <summary>
/// A session was removed from the table. <see cref="SmSession.Available"/> still tells whether it
/// was available, so presence can tell the others it went away.
/// </summary>
public sealed record SessionEnded(SmSession Session, string Reason);

/// <summary>
/// A session sent initial presence (RFC 6121 §4.2): its first available presence, or the first
/// after an unavailable one. Raised after the presence was broadcast: time for probes and for
/// the subscription requests waiting for the user.
/// </summary>
public sealed record InitialPresence(SmSession Session);

/// <summary>
/// A session can now receive messages sent to the bare JID (available with a non-negative
/// priority, RFC 6121 §8.5.2.1): time to deliver the offline messages (XEP-0160). Raised after
/// <see cref="InitialPresence"/> when both apply.
/// </summary>
public sealed record BecameReachable(SmSession Session);

/// <summary>
/// An available session became unavailable (it sent unavailable presence, or it ended) and
/// <paramref name="Unavailable"/> was broadcast to the user's resources and contacts; directed
/// presence is undone on this (RFC 6121 §4.6.3).
/// </summary>
public sealed record WentUnavailable(SmSession Session, XElement Unavailable);

/// <summary>Why sessions end (the reason of ENDED frames and of <see cref="SessionEnded"/>).</summary>
public static class EndReasons
{
    public const string Requested = "requested";      // the c2s asked (END)
    public const string Conflict = "conflict";        // a newer START took the resource
    public const string UserDeleted = "user-deleted";
    public const string SystemShutdown = "system-shutdown";
    public const string C2sDown = "c2s-down";          // the owning c2s's link dropped; nobody is told
    public const string RouteFailed = "route-failed";  // the router could not reach the owning c2s
    public const string InvalidFrom = "invalid-from";  // the c2s forwarded a stanza with someone else's from
    public const string Kicked = "kicked";              // an administrator ended the user's sessions (XEP-0133 end-user-session)
}

/// <summary>An account and all its data were deleted (its sessions had ended before); for modules' in-memory state.</summary>
public sealed record AccountDeleted(Xmpp.Common.Jid User);
