using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Common.Xml;

namespace Xmpp.Bench.Faults;

/// <summary>
/// One account of a fault run, behaving like the client of a Prosody or ejabberd user: it logs in
/// on its home c2s and, when the server offers XEP-0198, enables stream management with
/// resumption, answers the server's <c>&lt;r/&gt;</c>, asks for acks and keeps every stanza the
/// server has not acknowledged. When the connection drops it reconnects (its own c2s first, the
/// other one when its own does not answer, alternating with a short back-off), resumes the
/// stream and resends what the server's h does not cover; when resumption fails it logs in anew
/// and resends every message never acknowledged. Without XEP-0198 it reconnects and logs in again;
/// a message counts as accepted once the answer to a later ping on the same connection arrived.
/// Messages due while it has no session wait and go out after the login, as a user's typed text does.
/// </summary>
internal sealed class FaultClient(FaultClientSettings settings, FaultLedger ledger)
{
    private const string SmNs = "urn:xmpp:sm:3";
    private static readonly XName SmFeature = XName.Get("sm", SmNs);
    private static readonly XName Body = XName.Get("body", Ns.Client);
    private static readonly XName StreamError = XName.Get("error", Ns.Stream);

    private readonly record struct Outbound(long Seq, long MessageSeq);

    private readonly SemaphoreSlim _io = new(1, 1);          // state and writes, in order
    private readonly List<Outbound> _unacked = [];           // written in this session (SM) / on this connection, not acknowledged
    private readonly List<long> _resend = [];                // messages of a lost session never acknowledged, to write again
    private readonly List<long> _pending = [];               // messages due while there was no session
    private readonly Dictionary<string, long> _pingCovers = new(StringComparer.Ordinal);
    private readonly List<FaultDisconnect> _disconnects = [];
    private XmppConn? _conn;
    private int _generation;
    private bool _ready, _stopping;
    private int _server;                                     // index into Servers of the current / last connection
    private bool _smOn;
    private string? _smId;
    private long _out, _in;                                  // stanzas written / handled in this session (XEP-0198 h)
    private bool _ackOutstanding;
    private long _ackRequestedAt;
    private int _pingCounter;
    private TaskCompletionSource? _synced;
    private FaultDisconnect? _recovering;                    // dropped, not yet answered on a new stream
    private string? _recoveryPing;
    private long _recoveryPingAt;
    private int _misroutesLogged;

    public FaultClientSettings Settings => settings;
    public bool StreamManagement { get; private set; }
    public IReadOnlyList<FaultDisconnect> Disconnects { get { lock (_disconnects) return [.. _disconnects]; } }
    public int ResumeFailures { get; private set; }

    /// <summary>Nothing waits to be written or acknowledged.</summary>
    public bool Idle
    {
        get
        {
            _io.Wait();
            try { return _ready && _pending.Count == 0 && _resend.Count == 0 && !_unacked.Any(o => o.MessageSeq >= 0); }
            finally { _io.Release(); }
        }
    }

    /// <summary>Logs in (home c2s first); returns when the session is ready and the server has handled the initial presence.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        _server = settings.Home;
        await EstablishAsync(ct, deadline: Stopwatch.GetTimestamp() + (long)(settings.LoginTimeout.TotalSeconds * 3 * Stopwatch.Frequency));
        _synced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _io.WaitAsync(ct);
        try { await WriteStanzaLockedAsync($"<iq type='get' id='sync' to='{XmppConn.Escape(settings.Login.Domain)}'><ping xmlns='{Ns.Ping}'/></iq>", -1, ct); }
        finally { _io.Release(); }
        // the receive loop starts later (RunAsync): read here until the answer, handling what comes before it
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(settings.LoginTimeout);
        var conn = _conn!;
        while (!_synced.Task.IsCompleted)
        {
            var ev = await conn.ReadEventAsync(timeout.Token);
            if (ev is StreamCloseEvent) throw new BenchException("the server closed the stream after the login");
            if (ev is not StanzaEvent { Element: var e }) continue;
            if (e.Name == StreamError) throw new BenchException("stream error after the login: " + (e.Elements().FirstOrDefault()?.Name.LocalName ?? "?"));
            await _io.WaitAsync(ct);
            try { await HandleLockedAsync(conn, e, ct); }
            finally { _io.Release(); }
        }
    }

    /// <summary>Runs the connection until <paramref name="stop"/>: reads, answers, and reconnects when the connection drops.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var conn = _conn!;
            var generation = _generation;
            var reason = await ReceiveLoopAsync(conn, generation, stop);
            if (stop.IsCancellationRequested || _stopping) return;
            var at = Stopwatch.GetTimestamp();
            await _io.WaitAsync(CancellationToken.None);
            int server;
            try
            {
                _ready = false;
                server = _server;
                if (!_smOn)
                {
                    // A plain client does not know what became of what it wrote: nothing is resent.
                    _unacked.Clear();
                }
                _pingCovers.Clear();
                _ackOutstanding = false;
            }
            finally { _io.Release(); }
            await conn.DisposeAsync();
            // a drop before the last one had recovered is the same outage going on
            var d = _recovering;
            if (d is null)
            {
                d = new FaultDisconnect { Server = server, At = at, Reason = reason };
                lock (_disconnects) _disconnects.Add(d);
            }
            settings.Log($"{settings.User}: disconnected from server {server + 1} ({reason})");
            try
            {
                var how = await EstablishAsync(stop, deadline: long.MaxValue);
                await _io.WaitAsync(stop);
                try
                {
                    d.LoggedInAt = Stopwatch.GetTimestamp();
                    d.How = how;
                    d.RecoveredOn = _server;
                    settings.Log($"{settings.User}: {how} on server {_server + 1} after {Stopwatch.GetElapsedTime(d.At, d.LoggedInAt).TotalSeconds:0.000} s");
                    // recovered once the server answers a ping on the new stream: messages flow again
                    _recovering = d;
                    await SendRecoveryPingLockedAsync(stop);
                }
                finally { _io.Release(); }
            }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>Connects and logs in (resuming when it can), trying the servers in turn until one works.</summary>
    private async Task<string> EstablishAsync(CancellationToken ct, long deadline)
    {
        var preferred = _server;
        for (var attempt = 0; ; attempt++)
        {
            ct.ThrowIfCancellationRequested();
            // own c2s, then the other, alternating; a short pause once both were tried
            var server = (preferred + attempt) % settings.Servers.Length;
            if (attempt >= settings.Servers.Length)
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 100 << Math.Min(4, attempt / settings.Servers.Length - 1))), ct);
            var conn = new XmppConn(settings.Account, settings.User);
            using var one = CancellationTokenSource.CreateLinkedTokenSource(ct);
            one.CancelAfter(settings.LoginTimeout);
            try
            {
                var how = await LoginAsync(conn, server, one.Token);
                return how;
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                await conn.DisposeAsync();
                if (Stopwatch.GetTimestamp() > deadline)
                    throw new BenchException($"{settings.User} could not log in: {Describe(e)}");
                if (attempt < 3 || attempt % 10 == 0)
                    settings.Log($"{settings.User}: login on server {server + 1} failed ({Describe(e)})");
            }
        }
    }

    private async Task<string> LoginAsync(XmppConn conn, int server, CancellationToken ct)
    {
        var features = await conn.ConnectAndAuthenticateAsync(settings.Servers[server], null, settings.Login, ct);
        var offered = features.Element(SmFeature) is not null && settings.UseStreamManagement;
        string how;
        if (offered && _smOn && _smId is not null)
        {
            await conn.WriteAsync($"<resume xmlns='{SmNs}' h='{_in}' previd='{XmppConn.Escape(_smId)}'/>", ct);
            var answer = await conn.ReadStanzaAsync(ct);
            if (answer.Name == XName.Get("resumed", SmNs))
            {
                var h = ParseH(answer);
                await _io.WaitAsync(ct);
                try
                {
                    AckLocked(h);
                    // what the server's h does not cover is written again, numbered from h on
                    var again = _unacked.Where(o => o.MessageSeq >= 0).Select(o => o.MessageSeq).ToList();
                    _unacked.Clear();
                    _out = h;
                    Adopt(conn, server);
                    foreach (var seq in again) await WriteMessageLockedAsync(seq, ct);
                    await FlushLockedAsync(ct);
                }
                finally { _io.Release(); }
                return "resumed";
            }
            ResumeFailures++;
            settings.Log($"{settings.User}: resumption failed ({answer.Elements().FirstOrDefault()?.Name.LocalName ?? answer.Name.LocalName})");
            if (answer.Attribute("h") is not null)
            {
                await _io.WaitAsync(ct);
                try { AckLocked(ParseH(answer)); } finally { _io.Release(); }
            }
            how = "relogin after failed resumption";
        }
        else
        {
            how = _smId is null && _generation == 0 ? "login" : "relogin";
        }

        await conn.BindResourceAsync(features, settings.Login, ct);
        var smOn = false;
        string? smId = null;
        if (offered)
        {
            await conn.WriteAsync($"<enable xmlns='{SmNs}' resume='true'/>", ct);
            var answer = await conn.ReadStanzaAsync(ct);
            if (answer.Name == XName.Get("enabled", SmNs))
            {
                smOn = true;
                StreamManagement = true;
                smId = answer.Attribute("resume")?.Value is "true" or "1" ? answer.Attribute("id")?.Value : null;
            }
            else settings.Log($"{settings.User}: <enable/> refused ({answer.Name.LocalName})");
        }

        await _io.WaitAsync(ct);
        try
        {
            // a new session: what the old one never had acknowledged is written again (XEP-0198 clients do;
            // a plain client knows nothing of it and _unacked is empty then)
            var again = _unacked.Where(o => o.MessageSeq >= 0).Select(o => o.MessageSeq).ToList();
            _resend.InsertRange(0, again);
            _unacked.Clear();
            _smOn = smOn;
            _smId = smId;
            _out = 0;
            _in = 0;
            Adopt(conn, server);
            await WriteStanzaLockedAsync(settings.Login.Presence ? "<presence/>" : "", -1, ct);
            foreach (var seq in _resend) await WriteMessageLockedAsync(seq, ct);
            _resend.Clear();
            await FlushLockedAsync(ct);
        }
        finally { _io.Release(); }
        return how;
    }

    private void Adopt(XmppConn conn, int server)
    {
        _conn = conn;
        _server = server;
        _generation++;
        _ready = true;
        _ackOutstanding = false;
    }

    private async Task FlushLockedAsync(CancellationToken ct)
    {
        var due = _pending.ToList();
        _pending.Clear();
        foreach (var seq in due) await WriteMessageLockedAsync(seq, ct);
    }

    /// <summary>The pacer's message <paramref name="seq"/>: written now, or kept until there is a session.</summary>
    public async Task SendMessageAsync(long seq, CancellationToken ct)
    {
        await _io.WaitAsync(ct);
        try
        {
            if (!_ready) { _pending.Add(seq); return; }
            await WriteMessageLockedAsync(seq, ct);
        }
        finally { _io.Release(); }
    }

    private async Task WriteMessageLockedAsync(long seq, CancellationToken ct)
    {
        var created = ledger.CreatedAt(settings.Pair, seq);
        var xml = $"<message type='chat' to='{settings.PeerBareJid}' id='m{settings.Pair}-{seq}'><body>{settings.RunTag} {settings.Pair} {seq} {created}</body></message>";
        if (!await WriteStanzaLockedAsync(xml, seq, ct))
        {
            // the write itself failed: the client knows this one did not go out
            if (_smOn) return; // kept in _unacked: resent after resumption or a new login
            _unacked.RemoveAll(o => o.MessageSeq == seq);
            _pending.Add(seq);
            return;
        }
        ledger.Written(settings.Pair, seq);
    }

    /// <summary>Writes one stanza (numbered for XEP-0198 h and for ping acceptance); false when the connection failed.</summary>
    private async Task<bool> WriteStanzaLockedAsync(string xml, long messageSeq, CancellationToken ct)
    {
        if (xml.Length == 0) return true;
        _out++;
        _unacked.Add(new Outbound(_out, messageSeq));
        var conn = _conn!;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(settings.LoginTimeout);
            await conn.WriteAsync(xml, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _ready = false;
            await conn.DisposeAsync(); // the receive loop sees the end and reconnects
            return false;
        }
    }

    private async Task SendRecoveryPingLockedAsync(CancellationToken ct)
    {
        _recoveryPing = "rec" + (++_pingCounter).ToString(CultureInfo.InvariantCulture);
        _recoveryPingAt = Stopwatch.GetTimestamp();
        await WriteStanzaLockedAsync($"<iq type='get' id='{_recoveryPing}' to='{XmppConn.Escape(settings.Login.Domain)}'><ping xmlns='{Ns.Ping}'/></iq>", -1, ct);
    }

    /// <summary>Asks the server to acknowledge what was written (XEP-0198 &lt;r/&gt;, or a ping without it), when something waits for it.</summary>
    public async Task RequestAckAsync(CancellationToken ct)
    {
        await _io.WaitAsync(ct);
        try
        {
            if (_ready && _recovering is not null && (_recoveryPing is null || Stopwatch.GetElapsedTime(_recoveryPingAt) > TimeSpan.FromSeconds(2)))
                await SendRecoveryPingLockedAsync(ct);
            if (!_ready || !_unacked.Any(o => o.MessageSeq >= 0)) return;
            if (_ackOutstanding && Stopwatch.GetElapsedTime(_ackRequestedAt) < TimeSpan.FromSeconds(2)) return;
            _ackOutstanding = true;
            _ackRequestedAt = Stopwatch.GetTimestamp();
            if (_smOn)
            {
                try { await _conn!.WriteAsync($"<r xmlns='{SmNs}'/>", ct); }
                catch (Exception e) when (e is not OperationCanceledException) { _ready = false; await _conn!.DisposeAsync(); }
                return;
            }
            var id = "ack" + (++_pingCounter).ToString(CultureInfo.InvariantCulture);
            _pingCovers[id] = _out;
            await WriteStanzaLockedAsync($"<iq type='get' id='{id}' to='{XmppConn.Escape(settings.Login.Domain)}'><ping xmlns='{Ns.Ping}'/></iq>", -1, ct);
        }
        finally { _io.Release(); }
    }

    private void AckLocked(long h)
    {
        var n = 0;
        while (n < _unacked.Count && _unacked[n].Seq <= h)
        {
            if (_unacked[n].MessageSeq >= 0) ledger.Acked(settings.Pair, _unacked[n].MessageSeq);
            n++;
        }
        _unacked.RemoveRange(0, n);
    }

    private async Task<string> ReceiveLoopAsync(XmppConn conn, int generation, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                var ev = await conn.ReadEventAsync(stop);
                if (ev is StreamCloseEvent) return "stream closed by the server";
                if (ev is not StanzaEvent { Element: var e }) continue;
                if (e.Name == StreamError) return "stream error: " + (e.Elements().FirstOrDefault()?.Name.LocalName ?? "?");
                await _io.WaitAsync(stop);
                try
                {
                    if (generation != _generation) return "replaced";
                    await HandleLockedAsync(conn, e, stop);
                }
                finally { _io.Release(); }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { return "stopped"; }
        catch (Exception e) { return Describe(e); }
    }

    private async Task HandleLockedAsync(XmppConn conn, XElement e, CancellationToken ct)
    {
        if (e.Name.NamespaceName == SmNs)
        {
            switch (e.Name.LocalName)
            {
                case "r":
                    await conn.WriteAsync($"<a xmlns='{SmNs}' h='{_in}'/>", ct);
                    break;
                case "a":
                    AckLocked(ParseH(e));
                    _ackOutstanding = false;
                    break;
            }
            return;
        }
        if (_smOn) _in++;
        var type = e.Attribute("type")?.Value;
        switch (e.Name.LocalName)
        {
            case "message":
                OnMessage(e, type);
                break;
            case "iq" when type is "get" or "set":
                var to = e.Attribute("from")?.Value is { } from ? $" to='{XmppConn.Escape(from)}'" : "";
                await WriteStanzaLockedAsync($"<iq type='result' id='{XmppConn.Escape(e.Attribute("id")?.Value ?? "")}'{to}/>", -1, ct);
                break;
            case "iq":
                var id = e.Attribute("id")?.Value ?? "";
                if (id == "sync") _synced?.TrySetResult();
                else if (id == _recoveryPing && type == "error") _recoveryPing = null; // asked again by RequestAckAsync
                else if (id == _recoveryPing && _recovering is { } d)
                {
                    d.RecoveredAt = Stopwatch.GetTimestamp();
                    _recovering = null;
                    _recoveryPing = null;
                    settings.Log($"{settings.User}: recovered (ping answered) {Stopwatch.GetElapsedTime(d.At, d.RecoveredAt).TotalSeconds:0.000} s after the drop");
                }
                else if (_pingCovers.Remove(id, out var covers))
                {
                    AckLocked(covers);
                    _ackOutstanding = false;
                }
                break;
        }
    }

    private void OnMessage(XElement e, string? type)
    {
        var body = e.Element(Body)?.Value;
        if (body is null || !TryParseBody(body, settings.RunTag, out var pair, out var seq))
        {
            if (type != "error") ledger.Unknown();
            return;
        }
        if (type == "error") { ledger.Bounced(pair, seq); return; }
        var right = settings.IsReceiver && pair == settings.Pair;
        if (!right && _misroutesLogged++ < 3)
            settings.Log($"{settings.User} ({(settings.IsReceiver ? "receiver" : "sender")} of pair {settings.Pair}) got pair {pair}'s message {seq}: from='{e.Attribute("from")?.Value}' to='{e.Attribute("to")?.Value}'");
        ledger.Received(pair, seq, Stopwatch.GetTimestamp(), right);
    }

    /// <summary>Body: "runtag pair seq created-timestamp".</summary>
    internal static bool TryParseBody(string body, string runTag, out int pair, out long seq)
    {
        pair = -1; seq = -1;
        var parts = body.Split(' ');
        return parts.Length == 4 && parts[0] == runTag &&
               int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out pair) &&
               long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out seq);
    }

    private static long ParseH(XElement e) =>
        long.TryParse(e.Attribute("h")?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var h) ? h : -1;

    private static string Describe(Exception e) => e switch
    {
        OperationCanceledException => "timeout",
        BenchException => e.Message,
        System.Net.Sockets.SocketException se => $"socket: {se.SocketErrorCode}",
        IOException io => $"io: {io.InnerException?.Message ?? io.Message}",
        _ => $"{e.GetType().Name}: {e.Message}",
    };

    /// <summary>Ends the stream cleanly (acknowledging what it received); no reconnect follows.</summary>
    public async Task CloseAsync()
    {
        XmppConn? conn;
        await _io.WaitAsync();
        try
        {
            _stopping = true;
            _ready = false;
            conn = _conn;
            if (conn is not null)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                try
                {
                    if (_smOn) await conn.WriteAsync($"<a xmlns='{SmNs}' h='{_in}'/>", cts.Token);
                    await conn.WriteAsync("</stream:stream>", cts.Token);
                }
                catch (Exception) { /* already gone */ }
            }
        }
        finally { _io.Release(); }
    }

    public async Task DisposeAsync()
    {
        if (_conn is not null) await _conn.DisposeAsync();
    }
}

/// <summary>Who a <see cref="FaultClient"/> is and where it connects.</summary>
internal sealed class FaultClientSettings
{
    public required int Account { get; init; }
    public required string User { get; init; }
    public required LoginSettings Login { get; init; }
    public required IPEndPoint[] Servers { get; init; }
    /// <summary>Index into <see cref="Servers"/> of its own c2s.</summary>
    public required int Home { get; init; }
    public required int Pair { get; init; }
    public required bool IsReceiver { get; init; }
    /// <summary>Where its messages go (a sender's receiver), escaped for an attribute.</summary>
    public required string PeerBareJid { get; init; }
    public required string RunTag { get; init; }
    public bool UseStreamManagement { get; init; } = true;
    public TimeSpan LoginTimeout { get; init; } = TimeSpan.FromSeconds(5);
    public required Action<string> Log { get; init; }
}

/// <summary>One dropped connection seen by a client, and how it came back.</summary>
internal sealed class FaultDisconnect
{
    public required int Server { get; init; }
    public required long At { get; init; }
    public required string Reason { get; init; }
    /// <summary>The new stream is bound or resumed.</summary>
    public long LoggedInAt { get; set; }
    /// <summary>The server answered a ping on the new stream.</summary>
    public long RecoveredAt { get; set; }
    public int RecoveredOn { get; set; } = -1;
    public string How { get; set; } = "";
    public double? RecoverySeconds => RecoveredAt == 0 ? null : Stopwatch.GetElapsedTime(At, RecoveredAt).TotalSeconds;
}
