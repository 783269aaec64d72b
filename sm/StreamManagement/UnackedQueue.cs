using Xmpp.Protos;

namespace Xmpp.Sm.StreamManagement;

/// <summary>
/// One session's stanzas for its client that the client has not acknowledged yet (XEP-0198), in
/// the order they were numbered. Numbers run 1, 2, ... modulo 2^32 (after 4294967295 comes 0), so
/// every comparison is serial-number arithmetic. Bounded by its caller in bytes (<see cref="Bytes"/>).
/// No I/O: the packets are the frames' bodies as sent.
/// </summary>
public sealed class UnackedQueue
{
    private readonly Queue<Packet> _packets = new();

    /// <param name="lastSeq">The number given last (0 for a fresh queue; tests start near the wrap).</param>
    public UnackedQueue(uint lastSeq = 0)
    {
        LastSeq = lastSeq;
        Acked = lastSeq;
    }

    /// <summary>
    /// The queue of a stream re-attached on a restarted sm: the stanzas the old sm kept (stored, in
    /// order, numbered), and numbering goes on after the later of the last of them and
    /// <paramref name="lastWritten"/> (the last number c2s wrote to the client).
    /// </summary>
    public static UnackedQueue Restored(IReadOnlyList<Packet> packets, uint lastWritten)
    {
        if (packets.Count == 0) return new UnackedQueue(lastWritten);
        var queue = new UnackedQueue(unchecked(packets[0].SmSeq - 1));
        foreach (var packet in packets)
        {
            queue._packets.Enqueue(packet);
            queue.Bytes += packet.Stanza.Length;
            queue.LastSeq = packet.SmSeq;
        }
        if (unchecked((int)(lastWritten - queue.LastSeq)) > 0) queue.LastSeq = lastWritten;
        return queue;
    }

    /// <summary>The number given to the last stanza (0 before any).</summary>
    public uint LastSeq { get; private set; }

    /// <summary>The client's h: the last number it acknowledged.</summary>
    public uint Acked { get; private set; }

    /// <summary>Stanza bytes held.</summary>
    public long Bytes { get; private set; }

    public int Count => _packets.Count;

    /// <summary>Numbers <paramref name="packet"/> (sets its sm_seq) and keeps it until acknowledged.</summary>
    public uint Push(Packet packet)
    {
        var seq = unchecked(LastSeq + 1);
        LastSeq = seq;
        packet.SmSeq = seq;
        _packets.Enqueue(packet);
        Bytes += packet.Stanza.Length;
        return seq;
    }

    public enum AckResult { Ok, Stale, TooHigh }

    /// <summary>
    /// The client handled every stanza up to <paramref name="h"/>: they are dropped. An h behind an
    /// earlier one changes nothing (<see cref="AckResult.Stale"/>); one beyond what was sent
    /// (<see cref="AckResult.TooHigh"/>) acknowledges everything sent.
    /// </summary>
    public AckResult Ack(uint h)
    {
        if (unchecked((int)(h - Acked)) < 0) return AckResult.Stale;
        var result = AckResult.Ok;
        if (unchecked((int)(h - LastSeq)) > 0)
        {
            h = LastSeq;
            result = AckResult.TooHigh;
        }
        while (_packets.TryPeek(out var head) && unchecked((int)(h - head.SmSeq)) >= 0)
        {
            _packets.Dequeue();
            Bytes -= head.Stanza.Length;
        }
        Acked = h;
        return result;
    }

    /// <summary>What is held, oldest first (for a resumption: what the client's h did not cover).</summary>
    public IReadOnlyCollection<Packet> Pending => _packets;

    /// <summary>Replaces every held packet by <paramref name="map"/>'s result, in order (re-addressed for a new connection).</summary>
    public void ReplaceAll(Func<Packet, Packet> map)
    {
        var count = _packets.Count;
        for (var i = 0; i < count; i++) _packets.Enqueue(map(_packets.Dequeue()));
    }

    /// <summary>Takes everything held, oldest first; the queue is empty afterwards.</summary>
    public List<Packet> TakeAll()
    {
        var all = new List<Packet>(_packets);
        _packets.Clear();
        Bytes = 0;
        return all;
    }
}
