using Xmpp.Protos;

namespace Xmpp.C2s.Protocol;

/// <summary>
/// XEP-0352 client state indication, the hold-back of one inactive client (not thread-safe: its
/// connection guards it). Unimportant stanzas (presence updates: available or unavailable, not
/// subscription stanzas, probes or errors) are held, only the latest per sender (its full JID),
/// within <see cref="CsiOptions.MaxHeldBytes"/>; anything else (a message, an iq, a subscription
/// request) makes everything held go out first, in the order it came, followed by the stanza.
/// Messages are never held.
/// </summary>
/// <param name="supersede">Whether a newer presence replaces the held one of its sender (not with XEP-0198: every numbered stanza must reach the client).</param>
public sealed class CsiHold(int maxBytes, bool supersede = true)
{
    public const string Namespace = "urn:xmpp:csi:0";

    // The held packets in arrival order (a superseded one is taken out), with where each sender's sits.
    private readonly LinkedList<Packet> _order = new();
    private readonly Dictionary<string, LinkedListNode<Packet>> _bySender = new(StringComparer.Ordinal);

    public int Bytes { get; private set; }
    public int Count => _order.Count;

    /// <summary>Packets a newer one from the same sender replaced while held (they were never sent).</summary>
    public long Superseded { get; private set; }

    /// <summary>Presence that only updates what the client shows: held while inactive.</summary>
    public static bool IsUnimportant(Packet packet) =>
        packet.Kind == "presence" && packet.Type is "" or "unavailable";

    public enum Outcome { Held, Replaced, Flush }

    /// <summary>
    /// Takes an unimportant packet: <see cref="Outcome.Held"/>, or <see cref="Outcome.Replaced"/>
    /// when it superseded the sender's held one; <see cref="Outcome.Flush"/> when it is important or
    /// would pass the byte bound (then the caller sends <see cref="TakeAll"/> and the packet).
    /// </summary>
    public Outcome Offer(Packet packet)
    {
        if (!IsUnimportant(packet)) return Outcome.Flush;
        var size = packet.Stanza.Length;
        LinkedListNode<Packet>? old = null;
        var replaced = supersede && _bySender.TryGetValue(packet.StanzaFrom, out old);
        var after = Bytes + size - (replaced ? old!.Value.Stanza.Length : 0);
        if (after > maxBytes) return Outcome.Flush;
        if (replaced)
        {
            _order.Remove(old!);
            Superseded++;
        }
        var node = _order.AddLast(packet);
        if (supersede) _bySender[packet.StanzaFrom] = node;
        Bytes = after;
        return replaced ? Outcome.Replaced : Outcome.Held;
    }

    /// <summary>Everything held, in arrival order; the hold is empty afterwards.</summary>
    public List<Packet> TakeAll()
    {
        var all = new List<Packet>(_order);
        _order.Clear();
        _bySender.Clear();
        Bytes = 0;
        return all;
    }
}
