using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Sm.Core;
using Xmpp.Sm.Modules.Im;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Sessions;
using Xmpp.Sm.Storage;
using Xmpp.Sm.Telemetry;

namespace Xmpp.Sm.Modules.Blocking;

/// <summary>
/// XEP-0191 Blocking Command. The protocol: the blocklist (get), block and unblock (set; unblock
/// without items unblocks everyone), each change pushed to every resource of the user that asked
/// for the blocklist (§3.2, §3.3). On block the blocked contact gets unavailable presence from
/// each of the user's available resources it could see (a presence subscriber or a directed
/// presence's addressee); on unblock the user's current presence, if it is a subscriber.
/// Enforcement (§3.5, §3.6, <see cref="BlockRules"/>): on <see cref="StanzaRouter.FilterHook"/> a
/// stanza from a session to a JID that blocked it, or that its user blocked, is answered or
/// dropped; and as a delivery filter (<see cref="HookTable.FilterDelivery"/>) nothing sm delivers
/// passes between the two either way (presence broadcasts, probe answers, offline messages,
/// subscription requests waiting), so a blocked contact sees the user as offline.
/// </summary>
public sealed class BlockingModule(SmContext ctx, RosterBook book, PresenceRelay relay) : IStoringModule
{
    public const string Namespace = "urn:xmpp:blocking";
    public const string ErrorsNamespace = "urn:xmpp:blocking:errors";
    private static readonly XNamespace Ns = Namespace;

    private readonly BlockingOptions _options = ctx.Settings<BlockingOptions>("Blocking");
    private readonly ILogger _logger = ctx.Logger("Xmpp.Sm.Modules.Blocking");
    private readonly Blocklists _lists = new(ctx);

    /// <summary>Sessions that asked for the blocklist: they get the pushes (§3.2).</summary>
    private readonly HashSet<SmSession> _interested = [];

    public string Name => "blocking";

    public ModuleSchema Schema { get; } = new("""
        CREATE TABLE blocking_items (
            user  TEXT NOT NULL,   -- bare JID of the account
            jid   TEXT NOT NULL,   -- the blocked JID, normalized (any of XEP-0016's four forms)
            PRIMARY KEY (user, jid)
        )
        """);

    public void Load(HookTable hooks)
    {
        hooks.Disco.AddServerFeature(Namespace);
        hooks.Hook($"iq-get/self/{Namespace}:blocklist", GetList);
        hooks.Hook($"iq-set/self/{Namespace}:block", Block);
        hooks.Hook($"iq-set/self/{Namespace}:unblock", Unblock);
        hooks.Hook(StanzaRouter.FilterHook, Filter);
        hooks.FilterDelivery(MayDeliver);
        hooks.On<SessionEnded>(ended =>
        {
            _interested.Remove(ended.Session);
            if (ctx.Sessions.OfUser(ended.Session.BareJid).Count == 0) _lists.Forget(ended.Session.BareJid);
        });
        hooks.On<AccountDeleted>(deleted => _lists.Forget(deleted.User));
    }

    public void DeleteAccount(Jid user) =>
        ctx.Storage.Modules.Execute("DELETE FROM blocking_items WHERE user = $user", ("$user", user.ToString()));

    private bool GetList(StanzaEvent e)
    {
        _interested.Add(e.Origin);
        var list = new XElement(Ns + "blocklist");
        foreach (var jid in _lists.Of(e.From.Bare).Order(StringComparer.Ordinal))
            list.Add(Item(jid));
        ctx.ReplyResult(e, list);
        return true;
    }

    private bool Block(StanzaEvent e)
    {
        if (!TryItems(e, out var jids)) return true;
        if (jids.Count == 0)
        {
            Refuse(e, StanzaErrors.BadRequest, "no-items"); // §3.3: a block names at least one JID
            return true;
        }
        var user = e.From.Bare;
        var current = _lists.Of(user);
        var added = jids.Where(j => !current.Contains(j)).Distinct().ToList();
        if (current.Count + added.Count > _options.MaxItems)
        {
            _logger.LogInformation("Block by {User} refused: {Count} JIDs would pass the limit of {Max}", user, current.Count + added.Count, _options.MaxItems);
            FeatureTelemetry.Refused(Name, "items");
            ctx.Reply(e, StanzaErrors.Reply(e.Stanza, StanzaErrors.Cancel, StanzaErrors.NotAllowed, $"at most {_options.MaxItems} blocked JIDs"));
            return true;
        }
        // §3.3: the blocked contacts see the user go offline; sent before the block, which would stop it.
        SendUnavailable(user, added);
        _lists.Add(user, added);
        ctx.ReplyResult(e);
        Push(user, new XElement(Ns + "block", jids.Select(Item)));
        return true;
    }

    private bool Unblock(StanzaEvent e)
    {
        if (!TryItems(e, out var jids)) return true;
        var user = e.From.Bare;
        var current = _lists.Of(user);
        var removed = (jids.Count == 0 ? current : jids.Where(current.Contains)).Distinct().ToList();
        _lists.Remove(user, removed);
        ctx.ReplyResult(e);
        Push(user, new XElement(Ns + "unblock", jids.Select(Item)));
        // §3.4: the unblocked contacts that are subscribed get the user's presence again (still blocked
        // resources, by another item, are kept out by the delivery filter).
        var items = removed.ToHashSet(StringComparer.Ordinal);
        if (items.Count > 0)
            foreach (var contact in book.Subscribers(user))
                if (BlockRules.Matches(items, contact) || ctx.Sessions.OfUser(contact).Any(s => BlockRules.Matches(items, s.FullJid)))
                    relay.CurrentPresence(user, contact);
        return true;
    }

    /// <summary>The items' JIDs, normalized; false (answered with &lt;jid-malformed/&gt;) if one is not a JID.</summary>
    private bool TryItems(StanzaEvent e, out List<string> jids)
    {
        jids = [];
        foreach (var item in e.Payload!.Elements(Ns + "item"))
        {
            if (!Jid.TryParse((string?)item.Attribute("jid"), out var jid))
            {
                Refuse(e, StanzaErrors.JidMalformed, "jid");
                return false;
            }
            jids.Add(jid.ToString());
        }
        return true;
    }

    /// <summary>
    /// §3.3: unavailable from each of the user's available resources to every resource, matching a
    /// new item, of the contacts that could see it (presence subscribers and directed presence's addressees).
    /// </summary>
    private void SendUnavailable(Jid user, IReadOnlyCollection<string> added)
    {
        var showing = relay.Showing(user);
        if (showing.Count == 0 || added.Count == 0) return;
        var items = added.ToHashSet(StringComparer.Ordinal);
        var subscribers = book.Subscribers(user);
        foreach (var session in showing)
        {
            foreach (var contact in subscribers.Concat(session.DirectedPresence.Select(d => d.Bare)).Distinct())
                foreach (var target in ctx.Sessions.OfUser(contact))
                    if (target.Available && BlockRules.Matches(items, target.FullJid))
                        ctx.Out.ToSession(target, PresenceRelay.UnavailableFrom(session.FullJid, contact));
            session.DirectedPresence.RemoveWhere(d => BlockRules.Matches(items, d));
        }
    }

    /// <summary>§3.2/§3.3: the change to every resource that asked for the blocklist.</summary>
    private void Push(Jid user, XElement change)
    {
        foreach (var session in ctx.Sessions.OfUser(user))
        {
            if (!_interested.Contains(session)) continue;
            ctx.Out.ToSession(session, new XElement(Stanza.Client + "iq",
                new XAttribute("type", "set"),
                new XAttribute("id", "block-push-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))),
                new XAttribute("to", session.FullJid.ToString()),
                new XElement(change)));
        }
    }

    /// <summary>A stanza from a session to another entity: stopped if either side blocked the other.</summary>
    private bool Filter(StanzaEvent e)
    {
        var to = e.To!;
        var from = e.From;
        if (to.Bare == from.Bare || IsServer(to)) return false; // the own account and the server itself are never blocked
        if (_lists.Blocks(from.Bare, to))
        {
            Stop(e, BlockRules.Outbound(e.Kind, e.Type), "outbound");
            return true;
        }
        if (to.Local is not null && to.Domain == ctx.Domain && _lists.Blocks(to.Bare, from))
        {
            Stop(e, BlockRules.Inbound(e.Kind, e.Type), "inbound");
            return true;
        }
        return false;
    }

    private void Stop(StanzaEvent e, BlockOutcome outcome, string direction)
    {
        _logger.LogDebug("{Kind} {Type} from {From} to {To} stopped by a block ({Direction}): {Outcome}", e.Kind, e.Type, e.From, e.To, direction, outcome);
        var answered = outcome != BlockOutcome.Drop && e.Type != "error";
        FeatureTelemetry.Blocked(e.Kind, direction, answered ? "error" : "dropped");
        switch (outcome)
        {
            case BlockOutcome.ServiceUnavailable:
                ctx.ReplyError(e, StanzaErrors.ServiceUnavailable);
                break;
            case BlockOutcome.NotAcceptableBlocked:
                var reply = StanzaErrors.Reply(e.Stanza, StanzaErrors.Cancel, StanzaErrors.NotAcceptable);
                reply.Element(Stanza.Client + "error")!.Add(new XElement(XNamespace.Get(ErrorsNamespace) + "blocked"));
                if (e.Type != "error") ctx.Reply(e, reply);
                break;
        }
    }

    /// <summary>The delivery filter: nothing passes between a user and a JID the user blocked, either way (errors are sm's own answers and pass).</summary>
    private bool MayDeliver(SmSession to, Jid from, string kind, string type)
    {
        if (type == "error" || from.Bare == to.BareJid || IsServer(from)) return true;
        var direction = _lists.Blocks(to.BareJid, from) ? "inbound"
            : from.Local is not null && from.Domain == ctx.Domain && _lists.Blocks(from.Bare, to.FullJid) ? "outbound"
            : null;
        if (direction is null) return true;
        _logger.LogDebug("{Kind} {Type} from {From} to {To} not delivered: blocked ({Direction})", kind, type, from, to.FullJid, direction);
        FeatureTelemetry.Blocked(kind, direction, "dropped");
        return false;
    }

    private bool IsServer(Jid jid) => jid.Local is null && jid.Resource is null && jid.Domain == ctx.Domain;

    private static XElement Item(string jid) => new(Ns + "item", new XAttribute("jid", jid));

    private void Refuse(StanzaEvent e, string condition, string reason)
    {
        FeatureTelemetry.Refused(Name, reason);
        ctx.ReplyError(e, condition);
    }
}
