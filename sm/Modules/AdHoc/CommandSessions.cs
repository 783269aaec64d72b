using System.Security.Cryptography;
using Xmpp.Common;

namespace Xmpp.Sm.Modules.AdHoc;

/// <summary>An open command session (XEP-0050 §3.4): whose it is, which command, which stage, the values so far.</summary>
public sealed class CommandSession(string id, Jid owner, ICommand command, DateTimeOffset now)
{
    public string Id { get; } = id;
    /// <summary>The full JID that started it; only it may continue it.</summary>
    public Jid Owner { get; } = owner;
    public ICommand Command { get; } = command;
    public int Stage { get; set; }
    public DateTimeOffset LastUsed { get; set; } = now;
    /// <summary>The submitted values of each stage so far.</summary>
    public Dictionary<int, IReadOnlyDictionary<string, IReadOnlyList<string>>> Values { get; } = [];

    public IReadOnlyDictionary<string, IReadOnlyList<string>> AllValues()
    {
        var all = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (_, stage) in Values.OrderBy(kv => kv.Key))
            foreach (var (key, value) in stage) all[key] = value;
        return all;
    }
}

/// <summary>
/// The open command sessions, bounded in number (all users, and per user) and in idle time. Runs
/// on sm's single consumer: no timers; expired sessions are found when asked for or when room is needed.
/// </summary>
public sealed class CommandSessions(AdHocOptions options, TimeProvider clock)
{
    private readonly Dictionary<string, CommandSession> _open = new(StringComparer.Ordinal);

    public int Count => _open.Count;

    public enum Lookup { Found, Unknown, Expired, NotOwner }

    /// <summary>A new session, or null when the limits allow none (after dropping the expired ones).</summary>
    public CommandSession? Open(Jid owner, ICommand command)
    {
        var now = clock.GetUtcNow();
        if (_open.Count >= options.MaxSessions || PerUser(owner) >= options.MaxSessionsPerUser) DropExpired(now);
        if (_open.Count >= options.MaxSessions || PerUser(owner) >= options.MaxSessionsPerUser) return null;
        var session = new CommandSession(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), owner, command, now);
        _open[session.Id] = session;
        return session;
    }

    public Lookup Find(string id, Jid requester, out CommandSession? session)
    {
        if (!_open.TryGetValue(id, out session)) return Lookup.Unknown;
        if (session.Owner != requester)
        {
            session = null;
            return Lookup.NotOwner;
        }
        var now = clock.GetUtcNow();
        if (now - session.LastUsed > options.SessionTimeout)
        {
            _open.Remove(id);
            session = null;
            return Lookup.Expired;
        }
        session.LastUsed = now;
        return Lookup.Found;
    }

    public void Close(CommandSession session) => _open.Remove(session.Id);

    /// <summary>A user's sessions go when the user's account does.</summary>
    public void CloseAllOf(Jid user)
    {
        foreach (var id in _open.Values.Where(s => s.Owner.Bare == user.Bare).Select(s => s.Id).ToArray()) _open.Remove(id);
    }

    private int PerUser(Jid owner) => _open.Values.Count(s => s.Owner.Bare == owner.Bare);

    private void DropExpired(DateTimeOffset now)
    {
        foreach (var id in _open.Values.Where(s => now - s.LastUsed > options.SessionTimeout).Select(s => s.Id).ToArray()) _open.Remove(id);
    }
}
