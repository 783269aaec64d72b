using System.Diagnostics;

namespace Xmpp.Bench.Faults;

/// <summary>
/// Every numbered message of a fault run and what became of it: created (due at its sender's
/// pace), written (at least once), acknowledged by the server (XEP-0198 <c>&lt;a h/&gt;</c>, or
/// without stream management "accepted": written before the answer to a later ping on the same
/// connection arrived), received (how often, how late) and bounced. Thread-safe; the counts
/// come out of <see cref="Count"/> once the run is over.
/// </summary>
internal sealed class FaultLedger(int senders, TimeSpan lateAfter)
{
    private sealed class Entry
    {
        public long CreatedAt;
        public bool Written, Acked, Bounced;
        public int Received;
        public long FirstReceivedAt;
    }

    private readonly List<Entry>[] _bySender = Enumerable.Range(0, senders).Select(_ => new List<Entry>()).ToArray();
    private readonly long _lateTicks = (long)(lateAfter.TotalSeconds * Stopwatch.Frequency);
    private long _unknown, _misrouted;

    public int Senders => _bySender.Length;

    /// <summary>A new message of <paramref name="sender"/>: its number, counted from 0.</summary>
    public long Create(int sender, long now)
    {
        var list = _bySender[sender];
        lock (list)
        {
            list.Add(new Entry { CreatedAt = now });
            return list.Count - 1;
        }
    }

    public long CreatedAt(int sender, long seq)
    {
        var list = _bySender[sender];
        lock (list) return list[(int)seq].CreatedAt;
    }

    public void Written(int sender, long seq) => With(sender, seq, e => e.Written = true);
    public void Acked(int sender, long seq) => With(sender, seq, e => e.Acked = true);
    public void Bounced(int sender, long seq) => With(sender, seq, e => e.Bounced = true);

    /// <summary>Message <paramref name="seq"/> of <paramref name="sender"/> arrived at the receiver meant for it (or another one: <paramref name="rightReceiver"/> false).</summary>
    public void Received(int sender, long seq, long now, bool rightReceiver)
    {
        if ((uint)sender >= (uint)_bySender.Length) { Interlocked.Increment(ref _unknown); return; }
        if (!rightReceiver) Interlocked.Increment(ref _misrouted);
        var list = _bySender[sender];
        lock (list)
        {
            if (seq < 0 || seq >= list.Count) { Interlocked.Increment(ref _unknown); return; }
            var e = list[(int)seq];
            if (e.Received++ == 0) e.FirstReceivedAt = now;
        }
    }

    /// <summary>A message whose body is not one of this run's.</summary>
    public void Unknown() => Interlocked.Increment(ref _unknown);

    /// <summary>True when every message written has been received or bounced and every one of them acknowledged.</summary>
    public bool Settled()
    {
        foreach (var list in _bySender)
            lock (list)
                foreach (var e in list)
                    if (e.Written && (!e.Acked || (e.Received == 0 && !e.Bounced))) return false;
        return true;
    }

    private void With(int sender, long seq, Action<Entry> change)
    {
        if ((uint)sender >= (uint)_bySender.Length) return;
        var list = _bySender[sender];
        lock (list)
            if (seq >= 0 && seq < list.Count) change(list[(int)seq]);
    }

    public FaultCounts Count()
    {
        var c = new FaultCounts { Unknown = Interlocked.Read(ref _unknown), Misrouted = Interlocked.Read(ref _misrouted) };
        foreach (var list in _bySender)
            lock (list)
                foreach (var e in list)
                {
                    c.Created++;
                    if (!e.Written) { c.Unsent++; continue; }
                    c.Sent++;
                    if (e.Acked) c.Acknowledged++;
                    if (e.Bounced) c.Bounced++;
                    if (e.Received > 0)
                    {
                        c.Received++;
                        c.Duplicated += e.Received - 1;
                        if (e.FirstReceivedAt - e.CreatedAt > _lateTicks) c.Late++;
                    }
                    else if (e.Acked) c.LostAcknowledged++;
                    else c.LostUnacknowledged++;
                }
        return c;
    }
}

/// <summary>
/// The counts of one fault run (docs/RESILIENCE.md defines each). Every message written is
/// exactly one of received, lost after acknowledgement, lost unacknowledged.
/// </summary>
internal sealed record FaultCounts
{
    /// <summary>Messages the senders composed (at their pace, also while disconnected).</summary>
    public long Created { get; set; }
    /// <summary>Composed but never written: the sender had no connection until the end.</summary>
    public long Unsent { get; set; }
    /// <summary>Written to a server connection at least once.</summary>
    public long Sent { get; set; }
    public long Acknowledged { get; set; }
    /// <summary>Distinct messages received at least once.</summary>
    public long Received { get; set; }
    /// <summary>Acknowledged (or accepted) by the server, never received (bounced ones included).</summary>
    public long LostAcknowledged { get; set; }
    /// <summary>Written, never acknowledged, never received.</summary>
    public long LostUnacknowledged { get; set; }
    /// <summary>Extra copies received.</summary>
    public long Duplicated { get; set; }
    /// <summary>Received first more than the late threshold (5 s) after being composed.</summary>
    public long Late { get; set; }
    /// <summary>Messages the server returned as type='error' to their sender.</summary>
    public long Bounced { get; set; }
    public long Misrouted { get; set; }
    public long Unknown { get; set; }
}
