using System.Diagnostics;
using System.Text;
using System.Xml.Linq;
using static Xmpp.Bench.Utf8Compose;

namespace Xmpp.Bench;

/// <summary>
/// messages: N online accounts send chat messages to random online peers, flat out (each sender
/// keeps at most --window messages in flight) or at --rate messages/s in all, for --warmup then
/// --duration seconds; then the senders stop and the run drains for at most --drain seconds.
/// Each body carries the sender, its sequence number, the send timestamp and the intended
/// receiver, so the receivers count latency, losses, duplicates and misdeliveries.
/// </summary>
internal sealed class MessagesScenario
{
    internal sealed class Sender
    {
        public required XmppConn Conn;
        public required int Index;
        public required SemaphoreSlim Window;
        public required byte[] JidAttr; // the full JID, escaped for an attribute, as UTF-8
        public readonly SeqSet Received = new();
        public long NextSeq;
        public required byte[] Buffer; // one write: up to --batch messages
    }

    private Sender[] _senders = [];
    private readonly Histogram _latency = new();
    private readonly MeasuredWindow _window = new();
    private long _sent, _unique, _dups, _errors, _misrouted, _unparsable, _deliveredInWindow, _writeFailures;

    public static Task<int> RunAsync(Options o, CancellationToken ct) => new MessagesScenario().RunCoreAsync(o, ct);

    private async Task<int> RunCoreAsync(Options o, CancellationToken ct)
    {
        var ctx = BenchContext.FromOptions(o);
        var online = o.Int("online", 200);
        var duration = o.Double("duration", 10);
        var warmup = o.Double("warmup", 2);
        var drain = o.Double("drain", 10);
        var rate = o.Double("rate", 0);
        var window = Math.Max(1, o.Int("window", rate > 0 ? 1000 : 4));
        var maxBatch = Math.Clamp(o.Int("batch", 16), 1, 256);
        o.RejectUnknown();
        if (online < 2) throw new UsageException("--online needs at least 2 accounts");

        var batch = await Logins.LoginManyAsync(ctx, ctx.First, online, ct);
        ctx.Login.Cache.Save();
        var r = new Report("messages", ctx.Label);
        if (batch.Online.Count < online)
        {
            r.Human.Append($"only {batch.Online.Count}/{online} logged in: {batch.FailureSummary()}");
            r.Set("online", batch.Online.Count).Set("wanted", online).Set("failures", batch.Failures).Set("error", "login failures");
            r.Print(Console.Out);
            await Logins.CloseAllAsync(batch.Online, [], TimeSpan.Zero);
            return 1;
        }

        _senders = batch.Online.Select((c, i) => new Sender
        {
            Conn = c,
            Index = i,
            Window = new SemaphoreSlim(window),
            JidAttr = Encoding.UTF8.GetBytes(XmppConn.Escape(c.FullJid)),
            Buffer = new byte[maxBatch * 1024],
        }).ToArray();

        using var stopReceive = new CancellationTokenSource();
        var loops = _senders.Select(s => Task.Run(() => s.Conn.ReceiveLoopAsync(OnMessage, stopReceive.Token))).ToArray();

        using var stopSend = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var start = Stopwatch.GetTimestamp();
        var senders = rate > 0
            ? [new Pacer(_senders.Select(s => s.Window).ToArray(), rate / online, maxBatch, start, (i, n, c) => SendAsync(_senders[i], n, c)).Start(stopSend.Token)]
            : _senders.Select(s => Task.Run(() => FlatOutAsync(s, maxBatch, stopSend.Token))).ToArray();

        var cost = await _window.MeasureAsync(ctx, warmup, duration, () => Interlocked.Read(ref _sent), ct);
        var measured = cost.Seconds;
        stopSend.Cancel();
        try { await Task.WhenAll(senders).WaitAsync(TimeSpan.FromSeconds(5)); } catch (Exception) { }

        // Drain: wait until every message sent is accounted for, or the drain time is over.
        var drainWatch = Stopwatch.StartNew();
        while (drainWatch.Elapsed.TotalSeconds < drain &&
               Interlocked.Read(ref _unique) + Interlocked.Read(ref _errors) < Interlocked.Read(ref _sent))
            await Task.Delay(50, ct);
        var drained = drainWatch.Elapsed.TotalSeconds;

        var sent = Interlocked.Read(ref _sent);
        var lost = sent - Interlocked.Read(ref _unique);
        var delivered = Interlocked.Read(ref _deliveredInWindow);
        var perSec = delivered / measured;
        var brokenConns = _senders.Count(s => s.Conn.Error is not null);

        r.Human.Append($"{online} online, {(rate > 0 ? $"rate {Report.F(rate, "0")}/s" : $"flat out (window {window})")}, {Report.F(measured, "0.0")} s: ");
        r.Human.Append($"{Report.F(perSec, "0")} delivered msg/s (sent {Report.F(cost.Sent / measured, "0")}/s); ");
        r.Human.Append($"latency p50 {Report.Ms(_latency.Quantile(0.5))} ms p99 {Report.Ms(_latency.Quantile(0.99))} ms max {Report.Ms(_latency.Max)} ms; ");
        r.Human.Append($"lost {lost} dup {_dups} of {sent}");
        if (_errors > 0) r.Human.Append($", bounced {_errors}");
        if (_misrouted > 0) r.Human.Append($", MISROUTED {_misrouted}");
        cost.AppendCpu(r);
        if (brokenConns > 0) r.Human.Append($"; {brokenConns} connections broke ({_senders.First(s => s.Conn.Error is not null).Conn.Error})");
        r.Set("online", online).Set("rate", rate).Set("window", window).Set("warmup_s", warmup).Set("seconds", measured)
            .Set("delivered_per_s", perSec).Set("sent_per_s", cost.Sent / measured)
            .Set("p50_ms", _latency.Quantile(0.5) / 1000.0).Set("p99_ms", _latency.Quantile(0.99) / 1000.0)
            .Set("max_ms", _latency.Max / 1000.0).Set("latency_samples", _latency.Count)
            .Set("sent", sent).Set("lost", lost).Set("duplicated", _dups).Set("bounced", _errors)
            .Set("misrouted", _misrouted).Set("unparsable", _unparsable).Set("write_failures", _writeFailures)
            .Set("drain_s", drained).Set("broken_connections", brokenConns)
            .Set("mechanism", batch.Mechanism).Set("tls", batch.Tls)
            .Set("login_per_s", online / batch.Elapsed.TotalSeconds);
        r.Print(Console.Out);

        stopReceive.CancelAfter(TimeSpan.FromSeconds(3));
        await Logins.CloseAllAsync(batch.Online, loops, TimeSpan.FromSeconds(3));
        return lost == 0 && _dups == 0 && _misrouted == 0 ? 0 : 1;
    }

    private void OnMessage(XmppConn receiver, XElement message, string? body)
    {
        if (message.Attribute("type")?.Value == "error")
        {
            Interlocked.Increment(ref _errors);
            // A bounce frees the sender's window slot; its body still names the sender.
            if (body is not null && TryParse(body, out var bs, out _, out _, out _) && (uint)bs < (uint)_senders.Length)
                _senders[bs].Window.Release();
            return;
        }
        if (body is null || !TryParse(body, out var sender, out var seq, out var ts, out var target) || (uint)sender >= (uint)_senders.Length)
        {
            Interlocked.Increment(ref _unparsable);
            return;
        }
        var now = Stopwatch.GetTimestamp();
        var s = _senders[sender];
        if (!s.Received.Mark(seq))
        {
            Interlocked.Increment(ref _dups);
            return;
        }
        Interlocked.Increment(ref _unique);
        if (target != receiver.Account) Interlocked.Increment(ref _misrouted);
        if (_window.Contains(ts))
            _latency.Record((long)Stopwatch.GetElapsedTime(ts, now).TotalMicroseconds);
        if (_window.Contains(now))
            Interlocked.Increment(ref _deliveredInWindow);
        s.Window.Release();
    }

    /// <summary>Body: "sender seq timestamp target".</summary>
    private static bool TryParse(string body, out int sender, out long seq, out long ts, out int target)
    {
        sender = 0; seq = 0; ts = 0; target = 0;
        var span = body.AsSpan();
        Span<Range> parts = stackalloc Range[5];
        if (span.Split(parts, ' ') != 4) return false;
        return int.TryParse(span[parts[0]], out sender) && long.TryParse(span[parts[1]], out seq) &&
               long.TryParse(span[parts[2]], out ts) && int.TryParse(span[parts[3]], out target);
    }

    private async Task FlatOutAsync(Sender s, int maxBatch, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await s.Window.WaitAsync(ct);
                var n = 1;
                while (n < maxBatch && s.Window.Wait(0)) n++;
                await SendAsync(s, n, ct);
            }
        }
        catch (OperationCanceledException) { }
    }

    private async Task SendAsync(Sender s, int n, CancellationToken ct)
    {
        var buf = s.Buffer;
        var len = 0;
        var count = _senders.Length;
        for (var i = 0; i < n; i++)
        {
            var peer = Random.Shared.Next(count - 1);
            if (peer >= s.Index) peer++;
            var target = _senders[peer];
            var seq = s.NextSeq++;
            len += Compose(buf.AsSpan(len), target.JidAttr, s.Index, seq, Stopwatch.GetTimestamp(), target.Conn.Account);
        }
        try
        {
            await s.Conn.WriteAsync(buf.AsMemory(0, len), ct);
            Interlocked.Add(ref _sent, n);
        }
        catch (OperationCanceledException) { throw; }
        catch (Exception)
        {
            Interlocked.Add(ref _writeFailures, n);
            await Task.Delay(1000, ct); // a broken connection: don't spin
        }
    }

    private static int Compose(Span<byte> dest, byte[] to, int sender, long seq, long ts, int target)
    {
        var w = 0;
        Put(dest, ref w, "<message type='chat' to='"u8);
        Put(dest, ref w, to);
        Put(dest, ref w, "' id='m"u8);
        Num(dest, ref w, seq);
        Put(dest, ref w, "'><body>"u8);
        Num(dest, ref w, sender);
        dest[w++] = (byte)' ';
        Num(dest, ref w, seq);
        dest[w++] = (byte)' ';
        Num(dest, ref w, ts);
        dest[w++] = (byte)' ';
        Num(dest, ref w, target);
        Put(dest, ref w, "</body></message>"u8);
        return w;
    }
}
