namespace Xmpp.Sm.Storage;

/// <summary>What sm kept of one resumable XEP-0198 stream: the client's stanzas it took, and its own stanzas the client has not acknowledged (serialized packets, oldest first).</summary>
public sealed record StoredStream(string Key, uint? Inbound, IReadOnlyList<byte[]> Unacked);

/// <summary>
/// The durable part of sm's XEP-0198 state (issue 20: 0 duplicates and 0 losses when sm is killed):
/// per resumable stream (keyed by its resumption id) the count of the client's stanzas whose
/// effects sm committed, and the stanzas sm numbered for the client that it has not acknowledged.
/// Written inside sm's group commit together with the effects they account for
/// (StreamManagement/StreamJournal.cs); one row per live stream plus its unacknowledged stanzas
/// (bounded by Sm:StreamManagement:MaxUnackedBytes), removed when the stream ends.
/// </summary>
public interface IStreamStateStore
{
    void SetInbound(string key, uint inbound);

    void AddUnacked(string key, uint seq, byte[] packet);

    /// <summary>Forgets the unacknowledged stanzas numbered after <paramref name="after"/> up to <paramref name="upTo"/> (modulo 2^32).</summary>
    void RemoveUnacked(string key, uint after, uint upTo);

    /// <summary>Forgets the stream (it ended).</summary>
    void RemoveStream(string key);

    StoredStream? LoadStream(string key);

    /// <summary>Every stream with something stored (after a restart: those a c2s may re-attach).</summary>
    IReadOnlyList<string> StreamKeys();
}
