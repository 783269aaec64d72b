using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Sm.Core;
using Xmpp.Sm.Routing;
using Xmpp.Sm.Sessions;
using Xmpp.Sm.Storage;
using Xmpp.Sm.Telemetry;

namespace Xmpp.Sm.Modules.Archive;

/// <summary>
/// XEP-0313 Message Archive Management for 1:1 messages, with XEP-0359 stanza ids.
/// Every chat (and normal) message between local users that <see cref="ArchiveRules"/> keeps is
/// stored in the sender's archive and in the recipient's, each as its account's preferences allow
/// (§6.1); the delivered message carries a &lt;stanza-id by='owner'/&gt; per archive that kept it,
/// and a stanza-id from a client that claims one of our entities is removed first (XEP-0359 §5).
/// The owner queries its archive (with, start, end, before-id, after-id, ids; XEP-0059 paging),
/// reads and sets its preferences and asks for the archive's first and last message (metadata).
/// Messages older than Sm:Archive:RetentionDays, or beyond Sm:Archive:MaxMessagesPerAccount, are removed.
/// It runs before Offline and Delivery: it handles no message, it only stamps and stores them.
/// </summary>
public sealed class ArchiveModule(SmContext ctx) : IStoringModule
{
    private static readonly XNamespace Mam = ArchiveNamespaces.Mam;
    private static readonly XNamespace Rsm = ArchiveNamespaces.Rsm;
    private static readonly XNamespace Forward = ArchiveNamespaces.Forward;
    private static readonly XNamespace Delay = Ns.Delay;

    private readonly ILogger _logger = ctx.Logger("Xmpp.Sm.Modules.Archive");
    private readonly ArchiveStore _store = new(ctx.Storage.Modules);
    private ArchiveOptions _options = new();

    /// <summary>The preferences of users with live sessions (read on every message they send or get), so they are read from storage once per login.</summary>
    private readonly Dictionary<Jid, ArchivePrefs> _prefs = [];

    /// <summary>Whether the expired messages of every account were removed since start (at the first login: the tables exist only after Load).</summary>
    private bool _expiredAtStart;

    public string Name => "archive";

    public ModuleSchema Schema => ArchiveStore.Schema;

    public void Load(HookTable hooks)
    {
        _options = ctx.Settings<ArchiveOptions>("Archive");
        if (!ArchivePrefs.IsMode(_options.Default))
            throw new InvalidOperationException($"Sm:Archive:Default must be always, never or roster, not '{_options.Default}'");
        // XEP-0359 §5 holds whether or not anything is archived: our 'by' is never a client's to claim.
        hooks.Hook("message/bare", OnMessage);
        hooks.Hook("message/full", OnMessage);
        if (!_options.Enabled) return;

        hooks.Disco.AddAccountFeature(ArchiveNamespaces.Mam);
        hooks.Disco.AddAccountFeature(ArchiveNamespaces.MamExtended);
        hooks.Disco.AddAccountFeature(ArchiveNamespaces.StanzaIds);
        hooks.Hook($"iq-set/self/{ArchiveNamespaces.Mam}:query", Query);
        hooks.Hook($"iq-get/self/{ArchiveNamespaces.Mam}:query", e => Answer(e, ArchiveQuery.Form()));
        hooks.Hook($"iq-get/self/{ArchiveNamespaces.Mam}:prefs", e => Answer(e, PrefsOf(e.From).ToElement()));
        hooks.Hook($"iq-set/self/{ArchiveNamespaces.Mam}:prefs", SetPrefs);
        hooks.Hook($"iq-get/self/{ArchiveNamespaces.Mam}:metadata", Metadata);
        foreach (var (type, name) in new[] { ("set", "query"), ("get", "query"), ("get", "prefs"), ("set", "prefs"), ("get", "metadata") })
            hooks.Hook($"iq-{type}/bare/{ArchiveNamespaces.Mam}:{name}", OthersArchive);
        hooks.On<SessionStarted>(started => Expire(started.Session.BareJid));
        hooks.On<SessionEnded>(ended =>
        {
            if (ctx.Sessions.OfUser(ended.Session.BareJid).Count == 0) _prefs.Remove(ended.Session.BareJid);
        });
        hooks.On<AccountDeleted>(deleted => _prefs.Remove(deleted.User));
    }

    public void DeleteAccount(Jid user) => _store.DeleteAccount(user);

    /// <summary>Messages archived before it are past the retention: never returned, removed at their owner's next login.</summary>
    private DateTimeOffset Cutoff =>
        _options.RetentionDays > 0 ? ctx.Clock.GetUtcNow().AddDays(-_options.RetentionDays) : DateTimeOffset.MinValue;

    private void Expire(Jid user)
    {
        if (_options.RetentionDays <= 0) return;
        if (!_expiredAtStart)
        {
            _expiredAtStart = true;
            Removed(_store.ExpireAll(Cutoff), "all accounts", "expired");
        }
        Removed(_store.Expire(user, Cutoff), user.ToString(), "expired");
    }

    private void Removed(int count, string owner, string reason)
    {
        if (count == 0) return;
        ArchiveTelemetry.Removed.Add(count, new KeyValuePair<string, object?>("reason", reason));
        _logger.LogInformation("Removed {Count} archived messages of {Owner} ({Reason})", count, owner, reason);
    }

    // ---- archiving ----

    private bool OnMessage(StanzaEvent e)
    {
        var archivable = _options.Enabled && ArchiveRules.IsArchivableType(e.Type);
        if (!archivable && e.Raw is { } raw && !StanzaIds.MayContain(raw.Span)) return false; // nothing to strip, nothing to store: unparsed
        var stanza = e.Stanza;
        if (stanza.Element(XName.Get("stanza-id", ArchiveNamespaces.StanzaIds)) is not null)
        {
            var stripped = StanzaIds.StripClaims(stanza, ctx.Domain);
            if (stripped > 0)
            {
                ArchiveTelemetry.ForgedIds.Add(stripped);
                _logger.LogInformation("Removed {Count} stanza-ids claiming our domain from a message of session {Session}", stripped, e.Origin.Id);
            }
        }
        if (!archivable || !ArchiveRules.ShouldArchive(stanza, e.Type)) return false;

        var sender = e.From.Bare;
        var recipient = e.To!.Bare;
        var now = ctx.Clock.GetUtcNow();
        byte[]? bytes = null;
        byte[] Stored() => bytes ??= StanzaCodec.ToBytes(ArchivedCopy(stanza, e));
        var ids = new List<XElement>();

        if (Wants(sender, e.To))
            ids.Add(Store(sender, e.To, outgoing: true, Stored(), now));
        if (recipient != sender && WillBeDelivered(e) && Wants(recipient, e.From))
            ids.Add(Store(recipient, e.From, outgoing: false, Stored(), now));
        foreach (var id in ids) stanza.Add(id);
        return false; // Delivery (and carbons before it) take the stamped message on
    }

    /// <summary>The message as the archive returns it: with its 'from', and a 'to' even when the sender left it out.</summary>
    private static XElement ArchivedCopy(XElement stanza, StanzaEvent e)
    {
        var copy = new XElement(stanza);
        copy.SetAttributeValue("from", e.From.ToString());
        if (copy.Attribute("to") is null) copy.SetAttributeValue("to", e.To!.ToString());
        return copy;
    }

    private XElement Store(Jid owner, Jid with, bool outgoing, byte[] stanza, DateTimeOffset now)
    {
        var id = StanzaIds.NewId();
        var removed = _store.Append(owner, id, now, with, outgoing, stanza, _options.MaxMessagesPerAccount);
        ArchiveTelemetry.Add(ArchiveTelemetry.Archived, "direction", outgoing ? "outgoing" : "incoming");
        Removed(removed, owner.ToString(), "quota");
        return StanzaIds.Element(owner, id);
    }

    /// <summary>Whether the owner's preferences archive a message with <paramref name="peer"/>; counted when they do not.</summary>
    private bool Wants(Jid owner, Jid peer)
    {
        var prefs = PrefsOf(owner);
        var inRoster = prefs.Default == ArchivePrefs.Roster && ctx.Storage.Rosters.GetItem(owner.ToString(), peer.Bare.ToString()) is not null;
        if (prefs.Archives(peer, inRoster)) return true;
        ArchiveTelemetry.Add(ArchiveTelemetry.NotArchived, "reason", "prefs");
        _logger.LogDebug("A message with {Peer} not archived for {Owner}: its preferences", peer.Bare, owner);
        return false;
    }

    /// <summary>
    /// Whether Delivery will hand the message to the recipient or its offline storage (RFC 6121
    /// §8.5): an account of ours, and for a full JID that is not connected only a chat message.
    /// </summary>
    private bool WillBeDelivered(StanzaEvent e)
    {
        if (!ctx.UserExists(e.To!.Bare)) return false;
        return e.Target != TargetKind.Full || ctx.Sessions.FindFull(e.To) is not null || ArchiveRules.MessageType(e.Type) == "chat";
    }

    private ArchivePrefs PrefsOf(Jid user)
    {
        var owner = user.Bare;
        if (_prefs.TryGetValue(owner, out var cached)) return cached;
        var prefs = _store.Prefs(owner) ?? new ArchivePrefs(_options.Default, [], []);
        if (ctx.Sessions.OfUser(owner).Count > 0) _prefs[owner] = prefs;
        return prefs;
    }

    // ---- the owner's requests ----

    private bool Answer(StanzaEvent e, XElement payload)
    {
        ctx.ReplyResult(e, payload);
        return true;
    }

    /// <summary>XEP-0313 §4: only the owner reads its archive and preferences.</summary>
    private bool OthersArchive(StanzaEvent e)
    {
        Refuse(e, StanzaErrors.Forbidden, "others-archive", null);
        return true;
    }

    private void Refuse(StanzaEvent e, string condition, string reason, string? text)
    {
        ArchiveTelemetry.Add(ArchiveTelemetry.Refused, "reason", reason);
        _logger.LogDebug("Archive request of {User} refused: {Condition} ({Text})", e.From, condition, text ?? reason);
        if (text is null) ctx.ReplyError(e, condition);
        else ctx.Reply(e, StanzaErrors.Reply(e.Stanza, StanzaErrors.DefaultType(condition), condition, text));
    }

    private bool SetPrefs(StanzaEvent e)
    {
        if (ArchivePrefs.Parse(e.Payload!, out var error) is not { } prefs)
        {
            Refuse(e, StanzaErrors.BadRequest, "bad-prefs", error);
            return true;
        }
        if (prefs.AlwaysJids.Count + prefs.NeverJids.Count > _options.MaxPreferenceJids)
        {
            Refuse(e, StanzaErrors.NotAcceptable, "prefs-limit", $"at most {_options.MaxPreferenceJids} JIDs in always and never together");
            return true;
        }
        _store.SetPrefs(e.From, prefs);
        _prefs[e.From.Bare] = prefs;
        ctx.ReplyResult(e, prefs.ToElement());
        return true;
    }

    private bool Metadata(StanzaEvent e)
    {
        var (first, last) = _store.Bounds(e.From, Cutoff);
        var metadata = new XElement(Mam + "metadata");
        if (first is not null && last is not null)
            metadata.Add(new XElement(Mam + "start", new XAttribute("id", first.Id), new XAttribute("timestamp", Stamp(first.At))),
                new XElement(Mam + "end", new XAttribute("id", last.Id), new XAttribute("timestamp", Stamp(last.At))));
        ctx.ReplyResult(e, metadata);
        return true;
    }

    private bool Query(StanzaEvent e)
    {
        var owner = e.From.Bare;
        if (ArchiveQuery.Parse(e.Payload!, Math.Max(1, _options.MaxPageSize), _options.MaxQueryIds, out var condition, out var text) is not { } query)
        {
            Refuse(e, condition, "bad-query", text);
            return true;
        }
        // Every id the query names must be in the archive (XEP-0313 §4.1.2, XEP-0059 §2.5): item-not-found otherwise.
        long? Seq(string? id, ref string? missing)
        {
            if (id is null) return null;
            var seq = _store.SeqOf(owner, id);
            if (seq is null) missing ??= id;
            return seq;
        }
        string? missing = null;
        var afterIdSeq = Seq(query.AfterId, ref missing);
        var beforeIdSeq = Seq(query.BeforeId, ref missing);
        var afterSeq = Seq(query.After, ref missing);
        var beforeSeq = query.Before is { Length: > 0 } before ? Seq(before, ref missing) : null;
        if (missing is not null)
        {
            Refuse(e, StanzaErrors.ItemNotFound, "unknown-id", $"no message '{missing}' in this archive");
            return true;
        }

        var page = WithinBytes(_store.Page(owner, query, Cutoff, afterIdSeq, beforeIdSeq, afterSeq, beforeSeq), query.Backwards);
        var messages = query.FlipPage ? page.Messages.Reverse() : page.Messages;
        var sent = 0;
        foreach (var message in messages)
        {
            XElement original;
            try
            {
                original = StanzaCodec.Parse(message.Stanza);
            }
            catch (XmlException ex)
            {
                _logger.LogWarning("Archived message {Id} of {Owner} is unreadable, left out of a result: {Error}", message.Id, owner, ex.Message);
                continue;
            }
            var result = new XElement(Mam + "result", new XAttribute("id", message.Id),
                new XElement(Forward + "forwarded",
                    new XElement(Delay + "delay", new XAttribute("stamp", Stamp(message.At))),
                    original));
            if (query.QueryId is not null) result.SetAttributeValue("queryid", query.QueryId);
            ctx.Out.ToSession(e.Origin, new XElement(Stanza.Client + "message",
                new XAttribute("to", e.From.ToString()), new XAttribute("id", StanzaIds.NewId()), result));
            sent++;
        }

        var set = new XElement(Rsm + "set");
        if (page.Messages.Count > 0)
            set.Add(new XElement(Rsm + "first", new XAttribute("index", page.FirstIndex.ToString(CultureInfo.InvariantCulture)), page.Messages[0].Id),
                new XElement(Rsm + "last", page.Messages[^1].Id));
        set.Add(new XElement(Rsm + "count", page.Count.ToString(CultureInfo.InvariantCulture)));
        var fin = new XElement(Mam + "fin", set);
        if (page.Complete) fin.SetAttributeValue("complete", "true");
        ctx.ReplyResult(e, fin);
        _logger.LogDebug("Archive query of {User}: {Sent} of {Count} messages, complete {Complete}", e.From, sent, page.Count, page.Complete);
        return true;
    }

    /// <summary>
    /// A page cut to Sm:Archive:MaxPageBytes of stanzas (at least one message), so that a page of
    /// large messages never overflows the client's output bound at c2s. Paging forwards keeps the
    /// page's start, backwards its end (the side the client pages from); the page is then not complete.
    /// </summary>
    private ArchivePage WithinBytes(ArchivePage page, bool backwards)
    {
        var ordered = backwards ? page.Messages.Reverse().ToList() : page.Messages.ToList();
        long bytes = 0;
        var keep = 0;
        foreach (var message in ordered)
        {
            if (keep > 0 && bytes + message.Stanza.Length > _options.MaxPageBytes) break;
            bytes += message.Stanza.Length;
            keep++;
        }
        if (keep == ordered.Count) return page;
        _logger.LogDebug("An archive page cut to {Kept} of {Messages} messages ({Bytes} bytes; Sm:Archive:MaxPageBytes {Max})", keep, ordered.Count, bytes, _options.MaxPageBytes);
        var kept = ordered.Take(keep).ToList();
        if (backwards) kept.Reverse();
        var firstIndex = backwards ? page.FirstIndex + (ordered.Count - keep) : page.FirstIndex;
        return page with { Messages = kept, Complete = false, FirstIndex = firstIndex };
    }

    /// <summary>XEP-0082 DateTime, UTC with milliseconds.</summary>
    private static string Stamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
