namespace Xmpp.Sm.Sessions;

/// <summary>A session was added to the table.</summary>
public sealed record SessionStarted(SmSession Session);

/// <summary>
/// A session was removed from the table. <see cref="SmSession.Available"/> still tells whether it
/// was available, so presence can tell the others it went away.
/// </summary>
public sealed record SessionEnded(SmSession Session, string Reason);

/// <summary>A session sent its first available presence (RFC 6121 §4.2): time to deliver what waited for it.</summary>
public sealed record InitialPresence(SmSession Session);

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
}
