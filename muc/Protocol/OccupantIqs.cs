using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.Stanzas;

namespace Xmpp.Muc.Protocol;

/// <summary>
/// iq requests between occupants (XEP-0045 §7.5 applied to iq, as Prosody and ejabberd do: a vCard or
/// version query to room/nick): forwarded to the addressee's session from the asker's occupant JID
/// under an id of the room's, and the answer goes back to the asker from the addressee's occupant
/// JID under its own id. Neither learns the other's real JID. At most Muc:MaxPendingIqs wait; the
/// oldest unanswered is forgotten (logged, counted) when one more comes.
/// </summary>
public sealed class OccupantIqs(MucContext ctx)
{
    private readonly record struct Pending(Jid Asker, string AskerId, Jid Addressee, Jid AddresseeOccupant);

    private readonly Dictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private long _next;

    public void Forward(XElement iq, Occupant from, Occupant to)
    {
        while (_pending.Count >= ctx.Options.MaxPendingIqs && _order.TryDequeue(out var oldest))
            if (_pending.Remove(oldest))
            {
                ctx.Telemetry.Dropped("iq-unanswered");
                ctx.Logger.LogDebug("An iq between occupants waited too long for its answer and is forgotten");
            }
        var id = $"muc-{Interlocked.Increment(ref _next)}";
        _pending[id] = new Pending(from.RealJid, (string?)iq.Attribute("id") ?? "", to.RealJid, to.OccupantJid);
        _order.Enqueue(id);
        var copy = new XElement(iq);
        copy.SetAttributeValue("id", id);
        copy.SetAttributeValue("from", from.OccupantJid.ToString());
        copy.SetAttributeValue("to", to.RealJid.ToString());
        ctx.Send(copy);
    }

    /// <summary>A result or error from an occupant's session to an occupant JID: the answer to a forwarded request, or nothing anyone waits for.</summary>
    public void Answer(XElement iq, Jid from)
    {
        var id = (string?)iq.Attribute("id") ?? "";
        if (!_pending.TryGetValue(id, out var pending) || pending.Addressee != from)
        {
            ctx.Drop(iq, "iq-answer-unknown");
            return;
        }
        _pending.Remove(id);
        var copy = new XElement(iq);
        copy.SetAttributeValue("id", pending.AskerId);
        copy.SetAttributeValue("from", pending.AddresseeOccupant.ToString());
        copy.SetAttributeValue("to", pending.Asker.ToString());
        ctx.Send(copy);
    }
}
