using System.Globalization;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Sm.Core;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Sessions;
using Xmpp.Sm.Storage;

namespace Xmpp.Sm.Modules.LastActivity;

/// <summary>
/// XEP-0012 Last Activity: the server's uptime (to = the domain, §5); for an account's bare JID
/// the time since its last session ended and the status of its last unavailable presence, kept in
/// its own table so it survives restarts (§3, see <see cref="LastActivityRules"/>); a query to a
/// full JID from someone not allowed to see the account's presence is refused with &lt;forbidden/&gt;
/// (§4), the others are delivered to the resource.
/// </summary>
public sealed class LastActivityModule(SmContext ctx) : IStoringModule
{
    public const string Namespace = "jabber:iq:last";

    private static readonly XNamespace Ns = Namespace;
    private readonly ILogger _logger = ctx.Logger("Xmpp.Sm.Modules.LastActivity");

    /// <summary>The status of each user's last unavailable presence, until its last session ends.</summary>
    private readonly Dictionary<Jid, string?> _leavingStatus = [];
    private DateTimeOffset _started;

    public string Name => "lastactivity";

    public ModuleSchema Schema { get; } = new("""
        CREATE TABLE lastactivity_logouts (
            user    TEXT PRIMARY KEY,   -- bare JID
            at      TEXT NOT NULL,      -- ISO 8601 UTC: when its last session ended
            status  TEXT                -- the <status/> of its last unavailable presence
        )
        """);

    public void Load(HookTable hooks)
    {
        _started = ctx.Clock.GetUtcNow();
        hooks.Disco.AddServerFeature(Namespace);
        hooks.Disco.AddAccountFeature(Namespace);
        hooks.Hook($"iq-get/host/{Namespace}:query", Uptime);
        hooks.Hook($"iq-get/bare/{Namespace}:query", Account);
        hooks.Hook($"iq-get/full/{Namespace}:query", ToResource);
        hooks.On<WentUnavailable>(w => _leavingStatus[w.Session.BareJid] = (string?)w.Unavailable.Element(Stanza.Client + "status"));
        hooks.On<SessionEnded>(ended => LoggedOut(ended.Session.BareJid));
        hooks.On<AccountDeleted>(deleted => _leavingStatus.Remove(deleted.User));
    }

    public void DeleteAccount(Jid user) =>
        ctx.Storage.Modules.Execute("DELETE FROM lastactivity_logouts WHERE user = $user", ("$user", user.ToString()));

    private void LoggedOut(Jid user)
    {
        _leavingStatus.Remove(user, out var status);
        if (ctx.Sessions.OfUser(user).Count > 0) return; // another resource is still there
        ctx.Storage.Modules.Execute("""
            INSERT INTO lastactivity_logouts (user, at, status) VALUES ($user, $at, $status)
            ON CONFLICT (user) DO UPDATE SET at = excluded.at, status = excluded.status
            """, ("$user", user.ToString()), ("$at", ctx.Clock.GetUtcNow()), ("$status", status));
    }

    private bool Uptime(StanzaEvent e)
    {
        ctx.ReplyResult(e, Query(LastActivityRules.Uptime(_started, ctx.Clock.GetUtcNow()), null));
        return true;
    }

    private bool Account(StanzaEvent e)
    {
        var user = e.To!.Bare;
        var authorized = ctx.UserExists(user) && ctx.SharesPresenceWith(user, e.From);
        var available = authorized && ctx.Sessions.OfUser(user).Any(s => s.Available);
        var last = authorized && !available ? Load(user) : null;
        switch (LastActivityRules.ForAccount(authorized, available, last, ctx.Clock.GetUtcNow()))
        {
            case LastActivityAnswer.Seconds seconds:
                ctx.ReplyResult(e, Query(seconds.Value, seconds.Status));
                break;
            case LastActivityAnswer.Forbidden:
                _logger.LogDebug("Last activity of {User} refused to {Requester}: no presence subscription", user, e.From.Bare);
                ctx.ReplyError(e, StanzaErrors.Forbidden);
                break;
            default:
                ctx.ReplyError(e, StanzaErrors.ItemNotFound);
                break;
        }
        return true;
    }

    /// <summary>§4: only those allowed to see the account's presence may ask its resources; the rest is delivered by Delivery.</summary>
    private bool ToResource(StanzaEvent e)
    {
        if (ctx.SharesPresenceWith(e.To!.Bare, e.From)) return false;
        ctx.ReplyError(e, StanzaErrors.Forbidden);
        return true;
    }

    private LastLogout? Load(Jid user) =>
        ctx.Storage.Modules.Query("SELECT at, status FROM lastactivity_logouts WHERE user = $user",
            r => new LastLogout(DateTimeOffset.Parse(r.GetString(0), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
                r.IsDBNull(1) ? null : r.GetString(1)),
            ("$user", user.ToString())).FirstOrDefault();

    private static XElement Query(long seconds, string? status)
    {
        var query = new XElement(Ns + "query", new XAttribute("seconds", seconds.ToString(CultureInfo.InvariantCulture)));
        if (status is not null) query.Add(new XText(status));
        return query;
    }
}
