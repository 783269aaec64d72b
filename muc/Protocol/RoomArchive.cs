using System.Globalization;
using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.Stanzas;
using Xmpp.Muc.Storage;

namespace Xmpp.Muc.Protocol;

/// <summary>
/// XEP-0313 for rooms: groupchat messages are archived under a XEP-0359 stanza-id the room assigns
/// (by = the room's JID), bounded per room; queries at the room's JID (filters start, end, with =
/// an occupant JID, before-id, after-id; XEP-0059 paging) are answered with the forwarded messages
/// and a &lt;fin/&gt;. Who may read: whoever may enter (members-only rooms: members and up; never outcasts).
/// </summary>
public sealed class RoomArchive(MucContext ctx)
{
    private static readonly XNamespace Mam = MucNs.Mam;
    private static readonly XNamespace Rsm = MucNs.Rsm;
    private static readonly XNamespace Client = MucContext.Client;

    public static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(9));

    /// <summary>Stores <paramref name="message"/> (serialized as broadcast, without 'to', its stanza-id included).</summary>
    public void Store(Room room, byte[] message, string id, string nick, DateTimeOffset stamp)
    {
        var removed = Math.Max(0, room.ArchiveCount + 1 - ctx.Options.MaxArchiveMessagesPerRoom);
        ctx.Store.Append(room.Jid.ToString(), new ArchivedMessage(0, id, stamp, nick, message), removed);
        room.ArchiveCount += 1 - removed;
        ctx.Telemetry.Archived.Add(1);
        ctx.Telemetry.ArchiveRemoved("quota", removed);
    }

    public void Handle(XElement iq, Jid from, Room room)
    {
        var type = (string?)iq.Attribute("type");
        var affiliation = room.AffiliationOf(from);
        if (affiliation == Affiliation.Outcast || (room.Config.MembersOnly && affiliation < Affiliation.Member && !room.ByRealJid.ContainsKey(from)))
        {
            ctx.Refuse(iq, StanzaErrors.Forbidden, StanzaErrors.Auth);
            return;
        }
        if (type == "get")
        {
            ctx.Result(iq, new XElement(Mam + "query", DataForm.Form("form", MucNs.Mam,
                DataForm.Field("with", "jid-single", null), DataForm.Field("start", "text-single", null), DataForm.Field("end", "text-single", null),
                DataForm.Field("before-id", "text-single", null), DataForm.Field("after-id", "text-single", null))));
            return;
        }
        var query = iq.Element(Mam + "query")!;
        var resolved = Resolve(query, room);
        if (resolved.Error is { } error)
        {
            ctx.Refuse(iq, error);
            return;
        }
        var page = ctx.Store.Query(resolved.Query!);
        var queryId = (string?)query.Attribute("queryid");
        foreach (var message in page.Messages)
        {
            var result = new XElement(Mam + "result", new XAttribute("id", message.Id),
                new XElement(XName.Get("forwarded", MucNs.Forward),
                    new XElement(XName.Get("delay", MucNs.Delay), new XAttribute("stamp", Stamp(message.Stamp))),
                    StanzaCodec.Parse(message.Stanza)));
            if (queryId is not null) result.SetAttributeValue("queryid", queryId);
            ctx.Send(new XElement(Client + "message", new XAttribute("from", room.Jid.ToString()), new XAttribute("to", from.ToString()), result));
        }
        var set = new XElement(Rsm + "set");
        if (page.Messages.Count > 0)
        {
            set.Add(new XElement(Rsm + "first", new XAttribute("index", page.FirstIndex), page.Messages[0].Id));
            set.Add(new XElement(Rsm + "last", page.Messages[^1].Id));
        }
        set.Add(new XElement(Rsm + "count", page.Count));
        var fin = new XElement(Mam + "fin", set);
        if (page.Complete) fin.SetAttributeValue("complete", "true");
        if (queryId is not null) fin.SetAttributeValue("queryid", queryId);
        ctx.Result(iq, fin);
        ctx.Logger.LogDebug("{Jid} read {Count} archived messages of {Room}", from, page.Messages.Count, room.Jid);
    }

    private readonly record struct Resolved(ArchiveQuery? Query, string? Error);

    /// <summary>The query's form and RSM set as archive positions; an unknown id is &lt;item-not-found/&gt;, a malformed field &lt;bad-request/&gt;.</summary>
    private Resolved Resolve(XElement query, Room room)
    {
        var roomText = room.Jid.ToString();
        DateTimeOffset? start = null, end = null;
        string? nick = null;
        long? after = null, before = null;
        if (DataForm.Find(query, MucNs.Mam, allowUntyped: true) is { } form)
        {
            if (!TryStamp(DataForm.Value(form, "start"), out start) || !TryStamp(DataForm.Value(form, "end"), out end))
                return new(null, StanzaErrors.BadRequest);
            if (DataForm.Value(form, "with") is { Length: > 0 } with)
            {
                if (!Jid.TryParse(with, out var withJid) || withJid.Bare != room.Jid || !withJid.IsFull) return new(null, StanzaErrors.BadRequest);
                nick = withJid.Resource;
            }
            if (DataForm.Value(form, "after-id") is { Length: > 0 } afterId)
                after = ctx.Store.SeqOf(roomText, afterId) ?? -1;
            if (DataForm.Value(form, "before-id") is { Length: > 0 } beforeId)
                before = ctx.Store.SeqOf(roomText, beforeId) ?? -1;
            if (after == -1 || before == -1) return new(null, StanzaErrors.ItemNotFound);
        }
        var max = ctx.Options.DefaultMamPageSize;
        var fromEnd = false;
        if (query.Element(Rsm + "set") is { } set)
        {
            if (set.Element(Rsm + "max") is { } maxElement)
            {
                if (!int.TryParse(maxElement.Value, NumberStyles.None, CultureInfo.InvariantCulture, out max)) return new(null, StanzaErrors.BadRequest);
            }
            if (set.Element(Rsm + "after") is { } afterElement)
            {
                if (ctx.Store.SeqOf(roomText, afterElement.Value) is not { } seq) return new(null, StanzaErrors.ItemNotFound);
                after = Math.Max(after ?? long.MinValue, seq);
            }
            if (set.Element(Rsm + "before") is { } beforeElement)
            {
                fromEnd = true;
                if (beforeElement.Value.Length > 0)
                {
                    if (ctx.Store.SeqOf(roomText, beforeElement.Value) is not { } seq) return new(null, StanzaErrors.ItemNotFound);
                    before = Math.Min(before ?? long.MaxValue, seq);
                }
            }
        }
        max = Math.Clamp(max, 0, ctx.Options.MaxMamPageSize);
        return new(new ArchiveQuery(roomText, start, end, nick, after, before, max, fromEnd), null);
    }

    private static bool TryStamp(string? text, out DateTimeOffset? stamp)
    {
        stamp = null;
        if (string.IsNullOrEmpty(text)) return true;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)) return false;
        stamp = parsed;
        return true;
    }
}
