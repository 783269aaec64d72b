using Xmpp.Protos;

namespace Xmpp.C2s.Protocol;

/// <summary>
/// One session's client stanzas (numbered, XEP-0198) that c2s sent to sm and sm has not yet
/// confirmed taking (protos/router.proto, "Repair"): kept to send again when frames were lost on the
/// router link. Bounded in bytes: past the bound the oldest are forgotten, and a loss that reaches
/// back to them cannot be repaired (<see cref="After"/> returns null). Numbers compare modulo 2^32. No I/O.
/// </summary>
public sealed class UnconfirmedStanzas(long maxBytes)
{
    private readonly Queue<Frame> _frames = new();
    private uint _forgottenUpTo; // the last number forgotten unconfirmed (valid when _forgotten)
    private bool _forgotten;

    public long Bytes { get; private set; }

    public int Count => _frames.Count;

    /// <summary>The number of the last stanza kept (or confirmed), 0 before any.</summary>
    public uint LastSeq { get; private set; }

    /// <summary>The last number sm confirmed.</summary>
    public uint Confirmed { get; private set; }

    /// <summary>Keeps a numbered client frame (its packet's sm_seq set); false when an older one had to be forgotten for it.</summary>
    public bool Add(Frame frame)
    {
        var seq = frame.Packet.SmSeq;
        _frames.Enqueue(frame);
        LastSeq = seq;
        Bytes += Size(frame);
        var forgot = false;
        while (Bytes > maxBytes && _frames.Count > 1)
        {
            var old = _frames.Dequeue();
            Bytes -= Size(old);
            _forgottenUpTo = old.Packet.SmSeq;
            _forgotten = true;
            forgot = true;
        }
        return !forgot;
    }

    /// <summary>sm took every stanza up to <paramref name="h"/>: they are forgotten.</summary>
    public void Confirm(uint h)
    {
        if (unchecked((int)(h - Confirmed)) > 0) Confirmed = h;
        while (_frames.TryPeek(out var head) && unchecked((int)(h - head.Packet.SmSeq)) >= 0)
        {
            _frames.Dequeue();
            Bytes -= Size(head);
        }
        if (_forgotten && unchecked((int)(h - _forgottenUpTo)) >= 0) _forgotten = false;
    }

    /// <summary>
    /// Starts again from a base (a re-attach on a new sm that counts <paramref name="h"/> as taken):
    /// what is kept up to it is forgotten.
    /// </summary>
    public void Rebase(uint h)
    {
        Confirmed = h;
        Confirm(h);
    }

    /// <summary>
    /// sm took the stanzas up to <paramref name="h"/>: what follows, in order (the stanzas to send again),
    /// at most up to <paramref name="upTo"/>; null when some of them were forgotten (cannot be repaired).
    /// </summary>
    public List<Frame>? After(uint h, uint? upTo = null)
    {
        Confirm(h);
        if (_forgotten) return null;
        var frames = new List<Frame>();
        foreach (var frame in _frames)
        {
            if (upTo is { } last && unchecked((int)(frame.Packet.SmSeq - last)) > 0) break;
            frames.Add(frame);
        }
        return frames;
    }

    private static long Size(Frame frame) => frame.Packet.Stanza.Length + 64;
}
