using Google.Protobuf;
using Xmpp.Protos;
using Xmpp.Sm.Storage;

namespace Xmpp.Sm.StreamManagement;

/// <summary>
/// The changes to resumable streams' durable state (<see cref="IStreamStateStore"/>) made while sm
/// handles a frame, written when the frame is done (<see cref="Flush"/>, from
/// <see cref="Core.SessionManager.Handle"/>), so inside the group commit that also holds the
/// frame's effects (offline rows, archive rows, roster changes) and before anything the frame
/// caused is sent (Hosting/GroupCommit.cs): a count sm tells c2s, or a stanza a recipient sees, is
/// on disk first. Without a store (a backend that has none) it records nothing.
/// </summary>
public sealed class StreamJournal(IStreamStateStore? store)
{
    private readonly Dictionary<string, uint> _inbound = new(StringComparer.Ordinal);
    private readonly List<(string Key, uint Seq, byte[] Packet)> _numbered = [];
    private readonly List<(string Key, uint After, uint UpTo)> _acked = [];
    private readonly List<string> _ended = [];

    public IStreamStateStore? Store => store;

    /// <summary>The client's stanza number <paramref name="inbound"/> was taken.</summary>
    public void Taken(string key, uint inbound)
    {
        if (store is not null) _inbound[key] = inbound;
    }

    /// <summary>A stanza for the client was numbered (its sm_seq set) and is kept until acknowledged.</summary>
    public void Numbered(string key, Packet packet)
    {
        if (store is not null) _numbered.Add((key, packet.SmSeq, packet.ToByteArray()));
    }

    /// <summary>The client acknowledged the stanzas numbered after <paramref name="after"/> up to <paramref name="upTo"/>.</summary>
    public void Acked(string key, uint after, uint upTo)
    {
        if (store is not null && after != upTo) _acked.Add((key, after, upTo));
    }

    public void Ended(string key)
    {
        if (store is not null) _ended.Add(key);
    }

    /// <summary>Writes what was recorded, in an order that keeps it right: counts, new stanzas, acknowledgements, ended streams.</summary>
    public void Flush()
    {
        if (store is null || (_inbound.Count == 0 && _numbered.Count == 0 && _acked.Count == 0 && _ended.Count == 0)) return;
        try
        {
            foreach (var (key, inbound) in _inbound) store.SetInbound(key, inbound);
            foreach (var (key, seq, packet) in _numbered) store.AddUnacked(key, seq, packet);
            foreach (var (key, after, upTo) in _acked) store.RemoveUnacked(key, after, upTo);
            foreach (var key in _ended) store.RemoveStream(key);
        }
        finally
        {
            _inbound.Clear();
            _numbered.Clear();
            _acked.Clear();
            _ended.Clear();
        }
    }
}
