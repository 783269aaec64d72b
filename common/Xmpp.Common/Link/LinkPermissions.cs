using Xmpp.Common.Pki;
using Xmpp.Common;
using Xmpp.Protos;
using Action = Xmpp.Protos.Session.Types.Action;

namespace Xmpp.Common.Link;

/// <summary>
/// What each role may do on the router (pure rules; the router applies them to every link).
/// <list type="bullet">
/// <item>bind: a c2s only its own c2s/&lt;id&gt;, an sm only sm/&lt;domain&gt; or a shard of it, sm/&lt;domain&gt;#&lt;shard&gt; (both as named by the certificate), an admin only ctl/* addresses;</item>
/// <item>an sm shard sends packets (shard hops) to sm/&lt;its domain&gt; and its shards;</item>
/// <item>c2s sends to sm/*: packets and the session requests START, END, SYNC, AUTH, and CREATE (XEP-0077 registration; sm refuses it unless Sm:Registration:Enabled) and PASSWD (a logged-in client's own password change; sm checks the session);</item>
/// <item>sm sends to c2s/* and ctl/*: packets (to c2s only) and answers (STARTED, ENDED, SYNCED, AUTHED, CREATED, DELETED, PASSWD_DONE, LISTED, or any request marked failed);</item>
/// <item>admin sends to sm/*: the account actions CREATE, DELETE, PASSWD, LIST and the XEP-0133 operations ONLINE, KICK, ANNOUNCE; no packets;</item>
/// <item>component (a service on its own domain, CN component/&lt;domain&gt;) binds only component/&lt;domain&gt; and sends to sm/*
///   packets only, whose stanza_from is that domain or a JID within it (room@domain, room@domain/nick); sm sends packets to component/*;</item>
/// <item>only admin may watch the routed traffic (Router.Watch) and list the bound components (Router.Components);</item>
/// <item>after the bind only session and packet frames are accepted from anyone.</item>
/// </list>
/// </summary>
public static class LinkPermissions
{
    /// <summary>The reason a refused session action is returned with (failed = true).</summary>
    public const string ForbiddenReason = "forbidden";

    private static readonly HashSet<Action> C2sRequests = [Action.Start, Action.End, Action.Auth, Action.Create, Action.Passwd, Action.Sync];
    private static readonly HashSet<Action> AdminRequests = [Action.Create, Action.Delete, Action.Passwd, Action.List, Action.Online, Action.Kick, Action.Announce];
    // XEP-0198 stream management (protos/router.proto): the c2s's requests and sm's answers.
    private static readonly HashSet<Action> C2sStreamRequests = [Action.SmEnable, Action.SmAck, Action.SmRequest, Action.Detach, Action.Resume, Action.SmResend];
    private static readonly HashSet<Action> SmStreamAnswers = [Action.SmEnabled, Action.SmAnswer, Action.Resumed, Action.SmResend];
    private static readonly HashSet<Action> SmAnswers = [Action.Started, Action.Ended, Action.Authed, Action.Created, Action.Deleted, Action.PasswdDone, Action.Listed, Action.OnlineList, Action.Kicked, Action.Announced, Action.Synced];

    /// <summary>Null if the identity may bind every one of <paramref name="addresses"/>; otherwise why not.</summary>
    public static string? CheckBind(ComponentIdentity identity, IReadOnlyList<string> addresses)
    {
        foreach (var address in addresses)
        {
            var allowed = identity.Role switch
            {
                ComponentRole.C2s or ComponentRole.Component => address == identity.CommonName,
                // An sm shard binds "sm/<domain>#<shard>" with its domain's certificate (protos/router.proto, "sm shards").
                ComponentRole.Sm => address == identity.CommonName || Shards.SmShardAddress.DomainAddressOf(address) == identity.CommonName,
                ComponentRole.Admin => address.StartsWith("ctl/", StringComparison.Ordinal) && address.Length > 4,
                _ => false,
            };
            if (!allowed)
                return $"{identity} may not bind {address} (allowed: {(identity.Role == ComponentRole.Admin ? "ctl/*" : identity.CommonName)})";
        }
        return null;
    }

    /// <summary>Null if the identity may send <paramref name="frame"/> (its `from` already checked as bound); otherwise why not.</summary>
    public static string? CheckFrame(ComponentIdentity identity, Frame frame)
    {
        var to = KindOf(frame.To);
        switch (frame.BodyCase)
        {
            case Frame.BodyOneofCase.Packet when frame.Packet.Hop is { Kind: not ShardHop.Types.Kind.HopNone } && identity.Role != ComponentRole.Sm:
                return $"{identity.Role.Name()} may not send a shard hop (only sm shards hand stanzas to each other)";
            case Frame.BodyOneofCase.Packet:
                return (identity.Role, to) switch
                {
                    (ComponentRole.C2s, "sm") or (ComponentRole.Sm, "c2s" or "component") => null,
                    // A shard hands a stanza to the shard owning its user (a shard hop), only within its own domain.
                    (ComponentRole.Sm, "sm") when Shards.SmShardAddress.DomainAddressOf(frame.To) == identity.CommonName => null,
                    (ComponentRole.Component, "sm") => IsWithinDomain(frame.Packet.StanzaFrom, identity.Name) ? null
                        : $"component/{identity.Name} may not send a stanza from '{frame.Packet.StanzaFrom}' (only from {identity.Name} or a JID within it)",
                    _ => $"{identity.Role.Name()} may not send packets to {frame.To}",
                };
            case Frame.BodyOneofCase.Session:
                var action = frame.Session.Action;
                var allowed = identity.Role switch
                {
                    ComponentRole.C2s => to == "sm" && (C2sRequests.Contains(action) || C2sStreamRequests.Contains(action)),
                    ComponentRole.Admin => to == "sm" && AdminRequests.Contains(action),
                    ComponentRole.Sm => to is "c2s" or "ctl" &&
                        (SmAnswers.Contains(action) || (frame.Session.Failed && (C2sRequests.Contains(action) || AdminRequests.Contains(action)))
                         || (to == "c2s" && (SmStreamAnswers.Contains(action) || (frame.Session.Failed && C2sStreamRequests.Contains(action))))),
                    _ => false,
                };
                return allowed ? null : $"{identity.Role.Name()} may not send session action {action}{(frame.Session.Failed ? " (failed)" : "")} to {frame.To}";
            default:
                return $"{frame.BodyCase} frames are not accepted after the bind";
        }
    }

    /// <summary>Whether the identity may watch routed traffic (Router.Watch, `xmppctl trace`).</summary>
    public static bool MayWatch(ComponentIdentity identity) => identity.Role == ComponentRole.Admin;

    /// <summary>
    /// Whether <paramref name="jid"/> is <paramref name="domain"/> itself or a JID of it (local@domain,
    /// domain/resource, local@domain/resource). A hint that is empty or does not parse is not.
    /// </summary>
    public static bool IsWithinDomain(string jid, string domain) =>
        Jid.TryParse(jid, out var parsed) && string.Equals(parsed.Domain, domain, StringComparison.Ordinal);

    /// <summary>Whether the identity may list the bound components (Router.Components, `xmppctl components`).</summary>
    public static bool MayListComponents(ComponentIdentity identity) => identity.Role == ComponentRole.Admin;

    private static string KindOf(string address)
    {
        var slash = address.IndexOf('/');
        return slash > 0 ? address[..slash] : "";
    }
}
