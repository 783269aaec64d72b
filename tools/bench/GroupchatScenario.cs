using System.Diagnostics;
using System.Text;
using System.Xml.Linq;
using static Xmpp.Bench.Utf8Compose;

namespace Xmpp.Bench;

/// <summary>
/// groupchat: N accounts log in and join one XEP-0045 room (the first creates it, as an instant
/// room), the run waits until every occupant has seen the presence of all N (itself included),
/// then S of them send groupchat messages, flat out (each keeps at most --window messages in
/// flight, a slot freed when the room reflects the message back to its sender) or at --rate
/// messages/s in all, for --warmup then --duration seconds, then drains for at most --drain
/// seconds. Every body carries the sender and its sequence number and send timestamp; every
/// occupant counts what it receives, so a message reaching all N occupants is N deliveries:
/// delivered/s, latency from send to each receipt, lost (deliveries expected but never seen),
/// duplicated, and messages attributed to the wrong occupant JID.
/// </summary>
internal sealed class GroupchatScenario
{
    private sealed class Occupant
    {
        public required XmppConn Conn;
        public required string Nick;
        public readonly SeqSet Received = new(); // key: seq * senders + sender
        public readonly HashSet<string> Seen = new(StringComparer.Ordinal); // nicks seen available (under lock)
    }

    private sealed class Sender
    {
        public required Occupant Occupant;
        public required string FromSuffix; // "/nick": the room's 'from' on this sender's messages
        public required SemaphoreSlim Window;
        public required byte[] Buffer;
        public long NextSeq;
    }

    private Occupant[] _occupants = [];
    private Sender[] _senders = [];
    private Dictionary<int, Occupant> _byAccount = [];
    private string _room = "";
    private byte[] _roomAttr = [];
    private readonly Histogram _latency = new();
    private readonly MeasuredWindow _window = new();
    private long _sent, _unique, _dups, _errors, _misattributed, _unparsable, _deliveredInWindow, _writeFailures;

    public static Task<int> RunAsync(Options o, CancellationToken ct) => new GroupchatScenario().RunCoreAsync(o, ct);

    private async Task<int> RunCoreAsync(Options o, CancellationToken ct)
    {
        var ctx = BenchContext.FromOptions(o);
        var count = o.Int("occupants", 100);
        var senders = o.Int("senders", 10);
        var service = o.Str("muc", "conference." + ctx.Login.Domain);
        var roomName = o.Str("room", $"bench{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}");
        var joinConcurrency = Math.Max(1, o.Int("join-concurrency", 10));
        var presenceTimeout = o.Double("presence-timeout", 60);
        var duration = o.Double("duration", 10);
        var warmup = o.Double("warmup", 2);
        var drain = o.Double("drain", 10);
        var rate = o.Double("rate", 0);
        var window = Math.Max(1, o.Int("window", rate > 0 ? 1000 : 4));
        var maxBatch = Math.Clamp(o.Int("batch", 16), 1, 256);
        o.RejectUnknown();
        if (count < 2) throw new UsageException("--occupants needs at least 2");
        if (senders < 1 || senders > count) throw new UsageException("--senders must be 1..occupants");
        _room = $"{roomName}@{service}";
        _roomAttr = Encoding.UTF8.GetBytes(XmppConn.Escape(_room));

        var r = new Report("groupchat", ctx.Label);
        var batch = await Logins.LoginManyAsync(ctx, ctx.First, count, ct);
        ctx.Login.Cache.Save();
        if (batch.Online.Count < count)
        {
            r.Human.Append($"only {batch.Online.Count}/{count} logged in: {batch.FailureSummary()}");
            r.Set("occupants", batch.Online.Count).Set("wanted", count).Set("failures", batch.Failures).Set("error", "login failures");
            r.Print(Console.Out);
            await Logins.CloseAllAsync(batch.Online, [], TimeSpan.Zero);
            return 1;
        }
        _occupants = batch.Online.Select(c => new Occupant { Conn = c, Nick = c.User }).ToArray();
        _byAccount = _occupants.ToDictionary(x => x.Conn.Account);
        // Senders spread over the occupants (and so over a multi-c2s server's listeners).
        _senders = Enumerable.Range(0, senders).Select(i => _occupants[i * count / senders]).Select(occ => new Sender
        {
            Occupant = occ,
            FromSuffix = "/" + occ.Nick,
            Window = new SemaphoreSlim(window),
            Buffer = new byte[maxBatch * (_roomAttr.Length + 128)],
        }).ToArray();

        // Join: the first alone (it creates the room), then the rest; each occupant's receive loop
        // starts right after its own join, so the presences of later joiners are read as they come.
        using var stopReceive = new CancellationTokenSource();
        var loops = new List<Task>();
        var joinFailures = new Dictionary<string, int>(StringComparer.Ordinal);
        var created = false;
        var joinWatch = Stopwatch.StartNew();
        using (var joinPhase = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            joinPhase.CancelAfter(ctx.PhaseTimeout);
            async Task JoinOne(Occupant occ)
            {
                try
                {
                    using var one = CancellationTokenSource.CreateLinkedTokenSource(joinPhase.Token);
                    one.CancelAfter(ctx.LoginTimeout);
                    if (await MucJoin.JoinAsync(occ.Conn, _room, occ.Nick, OnPresence, one.Token)) created = true;
                    lock (loops) loops.Add(Task.Run(() => occ.Conn.ReceiveLoopAsync(OnMessage, stopReceive.Token, OnPresence)));
                }
                catch (Exception e) when (e is BenchException or OperationCanceledException or IOException)
                {
                    var reason = e is OperationCanceledException ? "join timeout" : e.Message;
                    lock (joinFailures) joinFailures[reason] = joinFailures.GetValueOrDefault(reason) + 1;
                }
            }
            await JoinOne(_occupants[0]);
            if (joinFailures.Count == 0)
                await Parallel.ForEachAsync(_occupants.Skip(1), new ParallelOptions { MaxDegreeOfParallelism = joinConcurrency },
                    async (occ, _) => await JoinOne(occ));
        }
        if (joinFailures.Count > 0)
        {
            var summary = string.Join("; ", joinFailures.OrderByDescending(kv => kv.Value).Take(3).Select(kv => $"{kv.Value}x {kv.Key}"));
            r.Human.Append($"{count - joinFailures.Values.Sum()}/{count} joined {_room}: {summary}");
            r.Set("occupants", count).Set("room", _room).Set("join_failures", joinFailures).Set("error", "join failures");
            r.Print(Console.Out);
            stopReceive.CancelAfter(TimeSpan.FromSeconds(3));
            await Logins.CloseAllAsync(batch.Online, loops, TimeSpan.FromSeconds(3));
            return 1;
        }
        // Every occupant has its own 110; now wait (bounded) until each has seen all N.
        while (joinWatch.Elapsed.TotalSeconds < presenceTimeout && _occupants.Any(x => SeenCount(x) < count))
            await Task.Delay(50, ct);
        var joinSeconds = joinWatch.Elapsed.TotalSeconds;
        var complete = _occupants.Count(x => SeenCount(x) >= count);
        var fewestSeen = _occupants.Min(SeenCount);

        using var stopSend = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var start = Stopwatch.GetTimestamp();
        var sending = rate > 0
            ? [new Pacer(_senders.Select(s => s.Window).ToArray(), rate / senders, maxBatch, start, (i, n, c) => SendAsync(i, n, c)).Start(stopSend.Token)]
            : Enumerable.Range(0, senders).Select(i => Task.Run(() => FlatOutAsync(i, maxBatch, stopSend.Token))).ToArray();

        var cost = await _window.MeasureAsync(ctx, warmup, duration, () => Interlocked.Read(ref _sent), ct);
        var measured = cost.Seconds;
        stopSend.Cancel();
        try { await Task.WhenAll(sending).WaitAsync(TimeSpan.FromSeconds(5)); } catch (Exception) { }

        // Drain: until every message reached every occupant (or bounced), or the drain time is over.
        var drainWatch = Stopwatch.StartNew();
        while (drainWatch.Elapsed.TotalSeconds < drain &&
               Interlocked.Read(ref _unique) + Interlocked.Read(ref _errors) * count < Interlocked.Read(ref _sent) * count)
            await Task.Delay(50, ct);
        var drained = drainWatch.Elapsed.TotalSeconds;

        var sent = Interlocked.Read(ref _sent);
        var expected = sent * count;
        var lost = expected - Interlocked.Read(ref _unique);
        var perSec = Interlocked.Read(ref _deliveredInWindow) / measured;
        var sentPerSec = cost.Sent / measured;
        var brokenConns = _occupants.Count(x => x.Conn.Error is not null);

        r.Human.Append($"{count} occupants in {_room}, {senders} senders, {(rate > 0 ? $"rate {Report.F(rate, "0")}/s" : $"flat out (window {window})")}, {Report.F(measured, "0.0")} s: ");
        r.Human.Append($"{Report.F(perSec, "0")} delivered msg/s (sent {Report.F(sentPerSec, "0")}/s); ");
        r.Human.Append($"latency p50 {Report.Ms(_latency.Quantile(0.5))} ms p99 {Report.Ms(_latency.Quantile(0.99))} ms max {Report.Ms(_latency.Max)} ms; ");
        r.Human.Append($"lost {lost} dup {_dups} of {expected} deliveries ({sent} messages)");
        if (_errors > 0) r.Human.Append($", bounced {_errors}");
        if (_misattributed > 0) r.Human.Append($", MISATTRIBUTED {_misattributed}");
        r.Human.Append($"; joined in {Report.F(joinSeconds, "0.0")} s, {complete}/{count} saw every presence");
        cost.AppendCpu(r);
        if (brokenConns > 0) r.Human.Append($"; {brokenConns} connections broke ({_occupants.First(x => x.Conn.Error is not null).Conn.Error})");
        r.Set("occupants", count).Set("senders", senders).Set("room", _room).Set("created_instant_room", created)
            .Set("rate", rate).Set("window", window).Set("warmup_s", warmup).Set("seconds", measured)
            .Set("join_s", joinSeconds).Set("presences_complete", complete).Set("fewest_presences_seen", fewestSeen)
            .Set("delivered_per_s", perSec).Set("sent_per_s", sentPerSec)
            .Set("p50_ms", _latency.Quantile(0.5) / 1000.0).Set("p99_ms", _latency.Quantile(0.99) / 1000.0)
            .Set("max_ms", _latency.Max / 1000.0).Set("latency_samples", _latency.Count)
            .Set("sent", sent).Set("expected_deliveries", expected).Set("lost", lost).Set("duplicated", _dups)
            .Set("bounced", _errors).Set("misattributed", _misattributed).Set("unparsable", _unparsable)
            .Set("write_failures", _writeFailures).Set("drain_s", drained).Set("broken_connections", brokenConns)
            .Set("mechanism", batch.Mechanism).Set("tls", batch.Tls);
        r.Print(Console.Out);

        stopReceive.CancelAfter(TimeSpan.FromSeconds(3));
        await Logins.CloseAllAsync(batch.Online, loops, TimeSpan.FromSeconds(3));
        return lost == 0 && _dups == 0 && _misattributed == 0 ? 0 : 1;
    }

    private static int SeenCount(Occupant occ)
    {
        lock (occ.Seen) return occ.Seen.Count;
    }

    private void OnPresence(XmppConn receiver, XElement presence)
    {
        var from = presence.Attribute("from")?.Value;
        if (from is null || from.Length <= _room.Length + 1 || !from.StartsWith(_room, StringComparison.Ordinal) || from[_room.Length] != '/')
            return;
        if (presence.Attribute("type") is not null) return; // unavailable, error: not an occupant joining
        var occ = _byAccount[receiver.Account];
        lock (occ.Seen) occ.Seen.Add(from[(_room.Length + 1)..]);
    }

    private void OnMessage(XmppConn receiver, XElement message, string? body)
    {
        var type = message.Attribute("type")?.Value;
        if (type == "error")
        {
            Interlocked.Increment(ref _errors);
            // A bounce frees the sender's window slot; its body still names the sender.
            if (body is not null && TryParse(body, out var bs, out _, out _) && (uint)bs < (uint)_senders.Length)
                _senders[bs].Window.Release();
            return;
        }
        if (type != "groupchat" || body is null) return; // the room's subject, status messages
        if (!TryParse(body, out var sender, out var seq, out var ts) || (uint)sender >= (uint)_senders.Length)
        {
            Interlocked.Increment(ref _unparsable);
            return;
        }
        var now = Stopwatch.GetTimestamp();
        var s = _senders[sender];
        var occ = _byAccount[receiver.Account];
        if (!occ.Received.Mark(seq * _senders.Length + sender))
        {
            Interlocked.Increment(ref _dups);
            return;
        }
        Interlocked.Increment(ref _unique);
        var from = message.Attribute("from")?.Value;
        if (from is null || from.Length != _room.Length + s.FromSuffix.Length ||
            !from.StartsWith(_room, StringComparison.Ordinal) || !from.EndsWith(s.FromSuffix, StringComparison.Ordinal))
            Interlocked.Increment(ref _misattributed);
        if (_window.Contains(ts))
            _latency.Record((long)Stopwatch.GetElapsedTime(ts, now).TotalMicroseconds);
        if (_window.Contains(now))
            Interlocked.Increment(ref _deliveredInWindow);
        if (ReferenceEquals(occ, s.Occupant)) s.Window.Release(); // the reflection to its sender
    }

    /// <summary>Body: "sender seq timestamp".</summary>
    private static bool TryParse(string body, out int sender, out long seq, out long ts)
    {
        sender = 0; seq = 0; ts = 0;
        var span = body.AsSpan();
        Span<Range> parts = stackalloc Range[4];
        if (span.Split(parts, ' ') != 3) return false;
        return int.TryParse(span[parts[0]], out sender) && long.TryParse(span[parts[1]], out seq) && long.TryParse(span[parts[2]], out ts);
    }

    private async Task FlatOutAsync(int sender, int maxBatch, CancellationToken ct)
    {
        var window = _senders[sender].Window;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await window.WaitAsync(ct);
                var n = 1;
                while (n < maxBatch && window.Wait(0)) n++;
                await SendAsync(sender, n, ct);
            }
        }
        catch (OperationCanceledException) { }
    }

    private async Task SendAsync(int sender, int n, CancellationToken ct)
    {
        var s = _senders[sender];
        var buf = s.Buffer;
        var len = 0;
        for (var i = 0; i < n; i++)
            len += Compose(buf.AsSpan(len), _roomAttr, sender, s.NextSeq++, Stopwatch.GetTimestamp());
        try
        {
            await s.Occupant.Conn.WriteAsync(buf.AsMemory(0, len), ct);
            Interlocked.Add(ref _sent, n);
        }
        catch (OperationCanceledException) { throw; }
        catch (Exception)
        {
            Interlocked.Add(ref _writeFailures, n);
            await Task.Delay(1000, ct); // a broken connection: don't spin
        }
    }

    private static int Compose(Span<byte> dest, byte[] room, int sender, long seq, long ts)
    {
        var w = 0;
        Put(dest, ref w, "<message type='groupchat' to='"u8);
        Put(dest, ref w, room);
        Put(dest, ref w, "' id='g"u8);
        Num(dest, ref w, seq);
        Put(dest, ref w, "'><body>"u8);
        Num(dest, ref w, sender);
        dest[w++] = (byte)' ';
        Num(dest, ref w, seq);
        dest[w++] = (byte)' ';
        Num(dest, ref w, ts);
        Put(dest, ref w, "</body></message>"u8);
        return w;
    }
}
