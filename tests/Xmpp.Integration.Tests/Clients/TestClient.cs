using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security;
using System.Text;
using System.Threading.Channels;
using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Common.Sasl;
using Xmpp.Common.Xml;

namespace Xmpp.Integration.Tests.Clients;

/// <summary>The outcome of one SASL exchange: success, or the &lt;failure/&gt; condition.</summary>
public sealed record SaslResult(bool Success, string? Condition, XElement Answer);

/// <summary>
/// A minimal XMPP client for tests, speaking real XMPP over a real socket: stream, STARTTLS (any
/// certificate), SASL (SCRAM-SHA-256, SCRAM-SHA-1, PLAIN), bind, session, presence. A reader task
/// parses what the server sends (with the common stream parser) into a channel; tests wait for
/// what they expect, and stanzas they do not match are kept for later waits.
/// Every wait is bounded (<see cref="DefaultTimeout"/>).
/// </summary>
public sealed class TestClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private abstract record Event;
    private sealed record Opened(StreamOpenEvent Header) : Event;
    private sealed record Received(XElement Element) : Event;
    private sealed record ServerClosedStream : Event;
    private sealed record Disconnected(string Why) : Event;

    private readonly TcpClient _tcp;
    private readonly Stream _raw;
    private Stream _stream;
    private readonly XmppStreamParser _parser = new(new XmppParserOptions { MaxStanzaBytes = 4 * 1024 * 1024 });
    private readonly Channel<Event> _events = Channel.CreateUnbounded<Event>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<XElement> _held = [];
    private readonly List<XElement> _history = [];
    private readonly List<string> _trace = [];
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<string>? _diagnostics;
    private TaskCompletionSource<Stream?>? _resume;
    private Task _reader = Task.CompletedTask;
    private bool _sentHeader;
    private bool _disconnected;

    /// <summary>Who this client is in failure messages ("alice", "bob on c2s-2").</summary>
    public string Name { get; }

    /// <summary>The full JID the server bound, once bound.</summary>
    public string Jid { get; private set; } = "";
    public string BareJid => Stanza.BareOf(Jid);

    /// <summary>The last &lt;stream:features/&gt; received.</summary>
    public XElement Features { get; private set; } = new("features");

    /// <summary>The mechanism used by the last successful authentication.</summary>
    public string? Mechanism { get; private set; }

    public bool IsTls => _stream is SslStream;

    private TestClient(string name, TcpClient tcp, Func<string>? diagnostics)
    {
        Name = name;
        _tcp = tcp;
        _raw = tcp.GetStream();
        _stream = _raw;
        _diagnostics = diagnostics;
    }

    /// <summary>Opens a TCP connection to 127.0.0.1:<paramref name="port"/>. Nothing is sent yet.</summary>
    /// <param name="diagnostics">Text appended to failure messages (e.g. the servers' output tail).</param>
    /// <param name="localAddress">The client's own address (e.g. 127.0.0.2, for per-address limits); null: the system's choice.</param>
    public static async Task<TestClient> ConnectAsync(int port, string name, Func<string>? diagnostics = null, System.Net.IPAddress? localAddress = null)
    {
        var tcp = localAddress is null ? new TcpClient { NoDelay = true } : new TcpClient(new System.Net.IPEndPoint(localAddress, 0)) { NoDelay = true };
        using (var cts = new CancellationTokenSource(DefaultTimeout))
            await tcp.ConnectAsync("127.0.0.1", port, cts.Token);
        var client = new TestClient(name, tcp, diagnostics);
        client._reader = Task.Run(client.ReadLoopAsync);
        return client;
    }

    /// <summary>
    /// Opens a direct TLS connection (XEP-0368) to 127.0.0.1:<paramref name="port"/>: the TLS
    /// handshake first (any certificate, ALPN <paramref name="alpn"/>: none when null), then nothing
    /// more is sent yet. Throws the handshake's exception when the server refuses it.
    /// </summary>
    public static async Task<TestClient> ConnectDirectTlsAsync(int port, string name, IEnumerable<string>? alpn = null,
        System.Security.Authentication.SslProtocols protocols = System.Security.Authentication.SslProtocols.None, Func<string>? diagnostics = null)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            using (var cts = new CancellationTokenSource(DefaultTimeout))
                await tcp.ConnectAsync("127.0.0.1", port, cts.Token);
            var client = new TestClient(name, tcp, diagnostics);
            var tls = new SslStream(client._raw, leaveInnerStreamOpen: true);
            using (var cts = new CancellationTokenSource(DefaultTimeout))
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = "localhost",
                    EnabledSslProtocols = protocols,
                    ApplicationProtocols = alpn?.Select(a => new SslApplicationProtocol(a)).ToList(),
                    RemoteCertificateValidationCallback = (_, _, _, _) => true,
                }, cts.Token);
            client._stream = tls;
            client._reader = Task.Run(client.ReadLoopAsync);
            return client;
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>The TLS connection's negotiated ALPN protocol ("" when none, or no TLS).</summary>
    public string ApplicationProtocol => _stream is SslStream tls ? tls.NegotiatedApplicationProtocol.ToString() : "";

    /// <summary>
    /// tls-server-end-point (RFC 5929 §4) as this client computes it: the hash of the certificate
    /// the server presented (SHA-256 for c2s's ECDSA-SHA256 and RSA-SHA256 certificates).
    /// </summary>
    public byte[] ServerEndPointBinding()
    {
        var tls = _stream as SslStream ?? throw new InvalidOperationException($"{Name}: no TLS");
        var certificate = tls.RemoteCertificate ?? throw new InvalidOperationException($"{Name}: no server certificate");
        return System.Security.Cryptography.SHA256.HashData(certificate.GetRawCertData());
    }

    /// <summary>Connects, opens the stream and negotiates STARTTLS (the features of the secured stream are in <see cref="Features"/>).</summary>
    public static async Task<TestClient> ConnectSecuredAsync(int port, string name, Func<string>? diagnostics = null, System.Net.IPAddress? localAddress = null)
    {
        var client = await ConnectAsync(port, name, diagnostics, localAddress);
        try
        {
            await client.OpenStreamAsync();
            await client.StartTlsAsync();
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The whole login: stream, STARTTLS, SASL, restart, bind, session (if offered) and, unless
    /// <paramref name="presence"/> is false, initial presence. Throws if any step fails.
    /// </summary>
    public static async Task<TestClient> LoginAsync(int port, string user, string password, string? resource = null,
        string mechanism = "SCRAM-SHA-256", bool presence = true, string? name = null, Func<string>? diagnostics = null,
        System.Net.IPAddress? localAddress = null)
    {
        var client = await ConnectSecuredAsync(port, name ?? user, diagnostics, localAddress);
        try
        {
            var auth = await client.AuthenticateAsync(Stanza.BareOf(user), password, mechanism);
            if (!auth.Success) throw new InvalidOperationException($"{client.Name}: {mechanism} authentication as {user} failed: {auth.Answer.Text()}{client.Context()}");
            await client.BindAsync(resource);
            await client.StartSessionIfOfferedAsync();
            if (presence) await client.SendPresenceAsync();
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    // ---- stream negotiation ----

    /// <summary>Sends a stream header and returns the server's &lt;stream:features/&gt;.</summary>
    public async Task<XElement> OpenStreamAsync(string to = "localhost")
    {
        var declaration = _sentHeader ? "" : "<?xml version='1.0'?>";
        _sentHeader = true;
        await SendAsync($"{declaration}<stream:stream xmlns='{Ns.Client}' xmlns:stream='{Ns.Stream}' to='{to}' version='1.0' xml:lang='en'>");
        await NextEventAsync<Opened>("the server's stream header", DefaultTimeout);
        Features = await ExpectAsync(e => e.Name == XName.Get("features", Ns.Stream), DefaultTimeout, "<stream:features/>");
        return Features;
    }

    /// <summary>
    /// &lt;starttls/&gt; (followed in the same write by <paramref name="trailing"/>), &lt;proceed/&gt;,
    /// TLS handshake (any certificate), new stream. Returns the new features.
    /// </summary>
    public async Task<XElement> StartTlsAsync(string trailing = "")
    {
        await SendAsync($"<starttls xmlns='{Ns.Tls}'/>{trailing}");
        var answer = await ExpectAsync(e => e.Name.NamespaceName == Ns.Tls, DefaultTimeout, "<proceed/> or <failure/> (TLS)");
        if (answer.Name.LocalName != "proceed") throw new InvalidOperationException($"{Name}: STARTTLS refused: {answer.Text()}{Context()}");

        var tls = new SslStream(_raw, leaveInnerStreamOpen: true);
        using (var cts = new CancellationTokenSource(DefaultTimeout))
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                RemoteCertificateValidationCallback = (_, _, _, _) => true, // c2s presents a self-signed certificate
            }, cts.Token);
        _stream = tls;
        Resume(tls);
        return await OpenStreamAsync();
    }

    /// <summary>
    /// One SASL exchange with <paramref name="mechanism"/> ("SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN").
    /// On success the stream is restarted (new features read); on failure the result carries the condition.
    /// </summary>
    /// <param name="channelBinding">SCRAM's gs2 channel binding flag ("n" by default, "y", "p=tls-server-end-point") and its data, for -PLUS and downgrade tests.</param>
    public async Task<SaslResult> AuthenticateAsync(string username, string password, string mechanism = "SCRAM-SHA-256", bool restart = true,
        (string Flag, byte[]? Data)? channelBinding = null)
    {
        var local = username.Contains('@') ? username.Split('@')[0] : username;
        XElement answer;
        if (mechanism == "PLAIN")
        {
            await SendAsync(Auth(mechanism, Encoding.UTF8.GetBytes($"\0{local}\0{password}")));
            answer = await ExpectSaslAsync();
        }
        else
        {
            var algorithm = ScramAlgorithm.ByMechanism(mechanism.EndsWith("-PLUS", StringComparison.Ordinal) ? mechanism[..^5] : mechanism)
                            ?? throw new ArgumentException($"unknown mechanism {mechanism}", nameof(mechanism));
            var scram = new ScramClient(algorithm, local, password);
            if (channelBinding is { } cb) scram.WithChannelBinding(cb.Flag, cb.Data);
            await SendAsync(Auth(mechanism, Encoding.UTF8.GetBytes(scram.ClientFirst())));
            answer = await ExpectSaslAsync();
            if (answer.Name.LocalName == "challenge")
            {
                var final = scram.ClientFinal(Encoding.UTF8.GetString(Convert.FromBase64String(answer.Value.Trim())));
                await SendAsync($"<response xmlns='{Ns.Sasl}'>{Convert.ToBase64String(Encoding.UTF8.GetBytes(final))}</response>");
                answer = await ExpectSaslAsync();
                if (answer.Name.LocalName == "challenge") // server-final-message sent as a challenge (RFC 6120 §6.3.10 allows it)
                {
                    VerifyServerFinal(scram, answer);
                    await SendAsync($"<response xmlns='{Ns.Sasl}'/>");
                    answer = await ExpectSaslAsync();
                }
                else if (answer.Name.LocalName == "success")
                {
                    VerifyServerFinal(scram, answer);
                }
            }
        }

        if (answer.Name.LocalName == "success")
        {
            Mechanism = mechanism;
            if (restart)
            {
                Resume(null);
                await OpenStreamAsync();
            }
            return new SaslResult(true, null, answer);
        }
        var condition = answer.Elements().FirstOrDefault(c => c.Name.LocalName != "text")?.Name.LocalName;
        return new SaslResult(false, condition, answer);
    }

    private static string Auth(string mechanism, byte[] initial) =>
        $"<auth xmlns='{Ns.Sasl}' mechanism='{mechanism}'>{(initial.Length == 0 ? "=" : Convert.ToBase64String(initial))}</auth>";

    private Task<XElement> ExpectSaslAsync() =>
        ExpectAsync(e => e.Name.NamespaceName == Ns.Sasl && e.Name.LocalName is "challenge" or "success" or "failure", DefaultTimeout,
            "<challenge/>, <success/> or <failure/> (SASL)");

    private void VerifyServerFinal(ScramClient scram, XElement answer)
    {
        var text = answer.Value.Trim();
        if (text.Length == 0 || text == "=")
            throw new InvalidOperationException($"{Name}: SCRAM success without server-final-message{Context()}");
        var serverFinal = Encoding.UTF8.GetString(Convert.FromBase64String(text));
        if (!scram.VerifyServerFinal(serverFinal))
            throw new InvalidOperationException($"{Name}: the server's SCRAM signature does not verify ({serverFinal}){Context()}");
    }

    /// <summary>Binds a resource (null: let the server choose) and returns the full JID.</summary>
    public async Task<string> BindAsync(string? resource = null)
    {
        var id = NewId("bind");
        var inner = resource is null ? "" : $"<resource>{SecurityElement.Escape(resource)}</resource>";
        await SendAsync($"<iq type='set' id='{id}'><bind xmlns='{Ns.Bind}'>{inner}</bind></iq>");
        var answer = await ExpectAsync(e => e.IsIq() && e.Attr("id") == id, DefaultTimeout, $"the answer to bind iq '{id}'");
        var jid = answer.Child(Ns.Client, "bind")?.Child(Ns.Bind, "jid")?.Value
                  ?? answer.Descendants().FirstOrDefault(d => d.Name.LocalName == "jid")?.Value;
        if (answer.Attr("type") != "result" || string.IsNullOrEmpty(jid))
            throw new InvalidOperationException($"{Name}: bind failed: {answer.Text()}{Context()}");
        Jid = jid.Trim();
        return Jid;
    }

    /// <summary>The legacy session iq (RFC 3921), if the features offer it.</summary>
    public async Task StartSessionIfOfferedAsync()
    {
        if (Features.Child(Ns.Session, "session") is null) return;
        var id = NewId("sess");
        await SendAsync($"<iq type='set' id='{id}'><session xmlns='{Ns.Session}'/></iq>");
        var answer = await ExpectAsync(e => e.IsIq() && e.Attr("id") == id, DefaultTimeout, $"the answer to session iq '{id}'");
        if (answer.Attr("type") != "result") throw new InvalidOperationException($"{Name}: session iq failed: {answer.Text()}{Context()}");
    }

    public Task SendPresenceAsync() => SendAsync("<presence/>");

    // ---- sending ----

    /// <summary>Writes raw XML to the stream, as is.</summary>
    public async Task SendAsync(string xml)
    {
        await _writeLock.WaitAsync();
        try
        {
            Trace("sent", xml);
            var bytes = Encoding.UTF8.GetBytes(xml);
            await _stream.WriteAsync(bytes);
            await _stream.FlushAsync();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private int _ids;
    public string NewId(string prefix = "id") => $"{prefix}-{Interlocked.Increment(ref _ids)}";

    /// <summary>Sends an iq ping to the server and waits for its answer: everything sent before it has been handled by then.</summary>
    public async Task<XElement> PingServerAsync(string domain = "localhost")
    {
        var id = NewId("ping");
        await SendAsync($"<iq type='get' id='{id}' to='{domain}'><ping xmlns='{Ns.Ping}'/></iq>");
        return await ExpectAsync(e => e.IsIq() && e.Attr("id") == id, DefaultTimeout, $"the answer to ping '{id}'");
    }

    // ---- receiving ----

    /// <summary>
    /// Waits for the first stanza matching <paramref name="match"/>; stanzas that do not match are
    /// kept for later waits. Throws with what was received instead if none arrives in time.
    /// </summary>
    public Task<XElement> ExpectAsync(Func<XElement, bool> match, TimeSpan? timeout = null,
        [CallerArgumentExpression(nameof(match))] string? what = null) =>
        ExpectAsync(match, CancellationToken.None, timeout, what);

    /// <summary>As <see cref="ExpectAsync(Func{XElement, bool}, TimeSpan?, string?)"/>, and gives up (OperationCanceledException) when <paramref name="ct"/> is cancelled.</summary>
    public async Task<XElement> ExpectAsync(Func<XElement, bool> match, CancellationToken ct, TimeSpan? timeout = null,
        [CallerArgumentExpression(nameof(match))] string? what = null)
    {
        var index = _held.FindIndex(e => match(e));
        if (index >= 0)
        {
            var held = _held[index];
            _held.RemoveAt(index);
            return held;
        }
        var limit = timeout ?? DefaultTimeout;
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var ev = await NextEventAsync(deadline, limit, what, ct);
            switch (ev)
            {
                case Received r when match(r.Element):
                    return r.Element;
                case Received r:
                    _held.Add(r.Element);
                    break;
                case ServerClosedStream or Disconnected:
                    throw new InvalidOperationException($"{Name}: the stream ended ({Describe(ev)}) while waiting for {what}{Context()}");
            }
        }
    }

    /// <summary>Waits for &lt;stream:error/&gt; with <paramref name="condition"/> (any condition if null).</summary>
    public async Task<XElement> ExpectStreamErrorAsync(string? condition, TimeSpan? timeout = null)
    {
        var error = await ExpectAsync(e => e.Name == XName.Get("error", Ns.Stream), timeout, "<stream:error/>");
        if (condition is not null && error.StreamErrorCondition() != condition)
            throw new InvalidOperationException($"{Name}: expected <stream:error><{condition}/></stream:error>, got {error.Text()}{Context()}");
        return error;
    }

    /// <summary>
    /// Waits until the server closes the connection. When it closes the stream first
    /// (&lt;/stream:stream&gt;) the client closes its side too, as RFC 6120 §4.4 asks.
    /// </summary>
    public async Task ExpectClosedAsync(TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var deadline = DateTime.UtcNow + limit;
        while (!_disconnected)
        {
            var ev = await NextEventAsync(deadline, limit, "the server to close the connection");
            switch (ev)
            {
                case Received r:
                    _held.Add(r.Element);
                    break;
                case ServerClosedStream:
                    try { await SendAsync("</stream:stream>"); } catch (Exception) { /* the socket may be gone already */ }
                    break;
            }
        }
    }

    /// <summary>Every stanza received so far (matched or not), in order.</summary>
    public IReadOnlyList<XElement> History { get { lock (_history) return _history.ToArray(); } }

    private async Task<T> NextEventAsync<T>(string what, TimeSpan limit) where T : Event
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var ev = await NextEventAsync(deadline, limit, what);
            if (ev is T t) return t;
            if (ev is Received r) { _held.Add(r.Element); continue; }
            throw new InvalidOperationException($"{Name}: the stream ended ({Describe(ev)}) while waiting for {what}{Context()}");
        }
    }

    private async Task<Event> NextEventAsync(DateTime deadline, TimeSpan limit, string? what, CancellationToken ct = default)
    {
        var remaining = deadline - DateTime.UtcNow;
        if (remaining > TimeSpan.Zero)
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(remaining);
            try
            {
                var ev = await _events.Reader.ReadAsync(cts.Token);
                if (ev is Disconnected) _disconnected = true;
                return ev;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested) { }
            catch (ChannelClosedException) { }
        }
        if (_disconnected && _events.Reader.Completion.IsCompleted)
            throw new InvalidOperationException($"{Name}: the connection is closed; still waiting for {what}{Context()}");
        throw new TimeoutException($"{Name}: no {what} within {limit.TotalSeconds:0.#} s{Context()}");
    }

    private static string Describe(Event ev) => ev switch
    {
        ServerClosedStream => "the server sent </stream:stream>",
        Disconnected d => d.Why,
        _ => ev.ToString(),
    };

    /// <summary>The client's recent traffic and the servers' output, for failure messages.</summary>
    public string Context()
    {
        var sb = new StringBuilder();
        sb.AppendLine().Append("---- ").Append(Name).AppendLine(" traffic (last 25) ----");
        lock (_trace)
            foreach (var line in _trace.Skip(Math.Max(0, _trace.Count - 25))) sb.AppendLine(line);
        if (_held.Count > 0) sb.AppendLine($"---- {Name}: {_held.Count} received, not yet matched ----");
        if (_diagnostics is not null) sb.Append(_diagnostics());
        return sb.ToString();
    }

    private void Trace(string direction, string text)
    {
        if (text.Length > 600) text = text[..600] + "...";
        lock (_trace) _trace.Add($"{DateTime.Now:HH:mm:ss.fff} {direction} {text}");
    }

    // ---- the reader task ----

    /// <summary>After &lt;proceed/&gt; and SASL &lt;success/&gt; the reader pauses until the client restarts the stream.</summary>
    private void Resume(Stream? newStream)
    {
        var resume = _resume ?? throw new InvalidOperationException("the reader is not waiting for a stream restart");
        _resume = null;
        resume.TrySetResult(newStream);
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[16 * 1024];
        var unparsed = new ArrayBufferWriter<byte>();
        var stream = _stream;
        try
        {
            while (true)
            {
                var n = await stream.ReadAsync(buffer, _stop.Token);
                if (n == 0) { Finish("the server closed the connection"); return; }
                Write(unparsed, buffer.AsSpan(0, n));

                var sequence = new ReadOnlySequence<byte>(unparsed.WrittenMemory);
                while (_parser.TryRead(ref sequence, out var ev))
                {
                    switch (ev)
                    {
                        case StreamOpenEvent open:
                            Trace("recv", "<stream:stream " + string.Join(' ', open.Attributes.Select(a => $"{a.Key}='{a.Value}'")) + ">");
                            _events.Writer.TryWrite(new Opened(open));
                            break;
                        case StreamCloseEvent:
                            Trace("recv", "</stream:stream>");
                            _events.Writer.TryWrite(new ServerClosedStream());
                            break;
                        case StanzaEvent stanza:
                            Trace("recv", stanza.Element.Text());
                            lock (_history) _history.Add(stanza.Element);
                            var restart = IsRestartPoint(stanza.Element);
                            TaskCompletionSource<Stream?>? resume = null;
                            if (restart)
                            {
                                resume = new TaskCompletionSource<Stream?>(TaskCreationOptions.RunContinuationsAsynchronously);
                                _resume = resume;
                            }
                            _events.Writer.TryWrite(new Received(stanza.Element));
                            if (resume is not null)
                            {
                                var rest = sequence.ToArray();
                                var next = await resume.Task.WaitAsync(_stop.Token);
                                if (next is not null) stream = next;
                                _parser.Reset();
                                unparsed.Clear();
                                Write(unparsed, rest);
                                sequence = new ReadOnlySequence<byte>(unparsed.WrittenMemory);
                            }
                            break;
                    }
                }
                var left = sequence.ToArray();
                unparsed.Clear();
                Write(unparsed, left);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            Finish("the client closed the connection");
        }
        catch (XmppStreamException e)
        {
            Finish($"the server sent XML the parser refused: {e.Condition} {e.Text}");
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            Finish($"the connection failed: {e.GetType().Name}: {e.Message}");
        }
        catch (Exception e)
        {
            Finish($"the client's reader failed: {e}");
        }
    }

    private static void Write(ArrayBufferWriter<byte> writer, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(writer.GetSpan(bytes.Length));
        writer.Advance(bytes.Length);
    }

    private static bool IsRestartPoint(XElement e) =>
        e.Name == XName.Get("proceed", Ns.Tls) || e.Name == XName.Get("success", Ns.Sasl);

    private void Finish(string why)
    {
        Trace("----", why);
        _events.Writer.TryWrite(new Disconnected(why));
        _events.Writer.TryComplete();
    }

    /// <summary>
    /// Kills the TCP connection without closing the XML stream (a reset, as when a phone loses its
    /// network): no &lt;/stream:stream&gt;, no FIN.
    /// </summary>
    public void Abort()
    {
        _tcp.Client.LingerState = new LingerOption(true, 0);
        _tcp.Client.Close();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_disconnected && !_stop.IsCancellationRequested)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await _writeLock.WaitAsync(cts.Token);
                try { await _stream.WriteAsync("</stream:stream>"u8.ToArray(), cts.Token); }
                finally { _writeLock.Release(); }
            }
            catch (Exception) { /* closing anyway */ }
        }
        _stop.Cancel();
        _tcp.Dispose();
        try { await _reader.WaitAsync(TimeSpan.FromSeconds(2)); } catch (Exception) { }
        if (_stream is SslStream tls) await tls.DisposeAsync();
        _stop.Dispose();
    }
}
