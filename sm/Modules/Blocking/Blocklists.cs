using Xmpp.Common;
using Xmpp.Sm.Core;

namespace Xmpp.Sm.Modules.Blocking;

/// <summary>
/// The users' blocklists in table blocking_items, with the lists of users who have sessions held in
/// memory (loaded on first use, forgotten when their last session ends), since every delivery to
/// or from them asks. Lists of users without sessions are asked of storage each time.
/// </summary>
public sealed class Blocklists(SmContext ctx)
{
    private readonly Dictionary<Jid, HashSet<string>> _cached = [];

    /// <summary>The user's blocked JIDs (normalized text, as stored).</summary>
    public IReadOnlySet<string> Of(Jid user)
    {
        user = user.Bare;
        if (_cached.TryGetValue(user, out var items)) return items;
        items = Load(user);
        if (ctx.Sessions.OfUser(user).Count > 0) _cached[user] = items;
        return items;
    }

    /// <summary>Whether <paramref name="user"/> blocked <paramref name="jid"/> (JID matching of XEP-0016 §2.1).</summary>
    public bool Blocks(Jid user, Jid jid) =>
        user.Local is not null && user.Domain == ctx.Domain && BlockRules.Matches(Of(user), jid);

    public void Add(Jid user, IEnumerable<string> jids)
    {
        var items = Of(user) as HashSet<string> ?? [];
        foreach (var jid in jids)
        {
            ctx.Storage.Modules.Execute("INSERT INTO blocking_items (user, jid) VALUES ($user, $jid) ON CONFLICT DO NOTHING",
                ("$user", user.Bare.ToString()), ("$jid", jid));
            items.Add(jid);
        }
    }

    public void Remove(Jid user, IEnumerable<string> jids)
    {
        var items = Of(user) as HashSet<string> ?? [];
        foreach (var jid in jids)
        {
            ctx.Storage.Modules.Execute("DELETE FROM blocking_items WHERE user = $user AND jid = $jid", ("$user", user.Bare.ToString()), ("$jid", jid));
            items.Remove(jid);
        }
    }

    /// <summary>Forgets the cached list (the user's last session ended, or the account was deleted).</summary>
    public void Forget(Jid user) => _cached.Remove(user.Bare);

    private HashSet<string> Load(Jid user) =>
        ctx.Storage.Modules.Query("SELECT jid FROM blocking_items WHERE user = $user ORDER BY rowid", r => r.GetString(0), ("$user", user.ToString()))
            .ToHashSet(StringComparer.Ordinal);
}
