using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Common.Sasl;
using Xmpp.Common.Xml;

namespace Xmpp.Bench;

/// <summary>How every bench connection logs in.</summary>
internal sealed class LoginSettings
{
    public required string Domain { get; init; }
    public required string Password { get; init; }
    public required ScramCache Cache { get; init; }
    /// <summary>scram (SHA-256 if offered, else SHA-1) | scram-sha-256 | scram-sha-1 | plain.</summary>
    public string Mech { get; init; } = "scram";
    public bool RequireTls { get; init; } = true;
    /// <summary>Skip STARTTLS even when offered (with a server that allows it: to measure what TLS costs).</summary>
    public bool NoTls { get; init; }
    public bool TlsResume { get; init; }
    public bool Presence { get; init; } = true;
    public string Resource { get; init; } = "bench";
    /// <summary>
    /// Zero-byte reads: an idle connection then holds no read buffer (the idle scenario wants that,
    /// for the load generator's own memory); a busy one pays an extra read per arrival.
    /// </summary>
    public bool ZeroByteReads { get; set; }
}

/// <summary>
/// One client connection: TCP, STARTTLS (any certificate accepted), SASL, bind, session if the
/// server insists, initial presence, then a ping whose answer marks the login complete. Reads go
/// through the common <see cref="XmppStreamParser"/> over a <see cref="PipeReader"/> (with zero-byte
/// reads in the idle scenario, so an idle connection holds no read buffer).
/// </summary>
internal sealed class XmppConn : IAsyncDisposable
{
    private static readonly XName Features = XName.Get("features", Ns.Stream);
    private static readonly XName StreamError = XName.Get("error", Ns.Stream);
    private static readonly XName StartTls = XName.Get("starttls", Ns.Tls);
    private static readonly XName Proceed = XName.Get("proceed", Ns.Tls);
    private static readonly XName Mechanisms = XName.Get("mechanisms", Ns.Sasl);
    private static readonly XName Mechanism = XName.Get("mechanism", Ns.Sasl);
    private static readonly XName SessionFeature = XName.Get("session", Ns.Session);
    private static readonly XName Optional = XName.Get("optional", Ns.Session);
    private static readonly XName BindJid = XName.Get("jid", Ns.Bind);
    private static readonly XName Body = XName.Get("body", Ns.Client);

    private static readonly XmppParserOptions ParserOptions = new() { MaxStanzaBytes = 1 << 20 };

    private readonly XmppStreamParser _parser = new(ParserOptions);
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private Socket? _socket;
    private Stream? _stream;
    private PipeReader? _reader;

    public XmppConn(int account, string user)
    {
        Account = account;
        User = user;
    }

    /// <summary>The account number n of bench&lt;n&gt;.</summary>
    public int Account { get; }
    public string User { get; }
    public string FullJid { get; private set; } = "";
    public string MechanismUsed { get; private set; } = "";
    public string TlsInfo { get; private set; } = "none";
    public string? Error { get; private set; }

    public async Task LoginAsync(IPEndPoint server, IPAddress? local, LoginSettings s, CancellationToken ct)
    {
        var features = await ConnectAndAuthenticateAsync(server, local, s, ct);
        await BindAsync(features, s, ct);
    }

    /// <summary>
    /// TCP, STARTTLS and SASL, then the restarted stream: returns its features (bind, session,
    /// XEP-0198 sm), for a caller that binds (<see cref="BindAsync"/>) or resumes a stream itself.
    /// </summary>
    public async Task<XElement> ConnectAndAuthenticateAsync(IPEndPoint server, IPAddress? local, LoginSettings s, CancellationToken ct)
    {
        _zeroByteReads = s.ZeroByteReads;
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _socket = socket;
        if (local is not null)
        {
            // IP_BIND_ADDRESS_NO_PORT (24): pick the source port at connect time, per destination.
            try { socket.SetSocketOption(SocketOptionLevel.IP, (SocketOptionName)24, 1); } catch (SocketException) { }
            socket.Bind(new IPEndPoint(local, 0));
        }
        await socket.ConnectAsync(server, ct);
        var network = new NetworkStream(socket, ownsSocket: true);
        SetStream(network);

        var features = await OpenStreamAsync(s.Domain, ct);
        if (features.Element(StartTls) is not null && !s.NoTls)
        {
            await WriteAsync($"<starttls xmlns='{Ns.Tls}'/>", ct);
            var answer = await ReadStanzaAsync(ct);
            if (answer.Name != Proceed) throw new BenchException($"STARTTLS refused: {answer.Name.LocalName}");
            var ssl = new SslStream(network, leaveInnerStreamOpen: false);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = s.Domain,
                RemoteCertificateValidationCallback = static (_, _, _, _) => true,
                // Any certificate is accepted, so build the chain against an empty custom trust
                // store: with the system store, OpenSSL 3 sorts and compares ~140 roots on every
                // handshake, which cost the load generator more CPU than the rest of a login.
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    DisableCertificateDownloads = true,
                    RevocationMode = X509RevocationMode.NoCheck,
                    VerificationFlags = X509VerificationFlags.AllFlags,
                },
                AllowTlsResume = s.TlsResume,
            }, ct);
            TlsInfo = $"{ssl.SslProtocol} {ssl.NegotiatedCipherSuite}";
            SetStream(ssl);
            _parser.Reset();
            features = await OpenStreamAsync(s.Domain, ct);
        }
        else if (s.RequireTls && !s.NoTls)
        {
            throw new BenchException("the server offers no STARTTLS");
        }

        await AuthenticateAsync(features, s, ct);
        _parser.Reset();
        return await OpenStreamAsync(s.Domain, ct);
    }

    /// <summary>Resource binding, session if the server insists, initial presence and a ping whose answer ends the login.</summary>
    public async Task BindAsync(XElement features, LoginSettings s, CancellationToken ct)
    {
        await BindResourceAsync(features, s, ct);

        // Initial presence, then a ping: its answer comes after the server has dealt with the presence.
        var presence = s.Presence ? "<presence/>" : "";
        await WriteAsync($"{presence}<iq type='get' id='ping1' to='{Escape(s.Domain)}'><ping xmlns='{Ns.Ping}'/></iq>", ct);
        await ReadIqAsync("ping1", ct); // a result or an error: either way the server answered
    }

    /// <summary>Resource binding and session (if the server insists) only: no presence, nothing read past the answers.</summary>
    public async Task BindResourceAsync(XElement features, LoginSettings s, CancellationToken ct)
    {
        await WriteAsync($"<iq type='set' id='bind1'><bind xmlns='{Ns.Bind}'><resource>{Escape(s.Resource)}</resource></bind></iq>", ct);
        var bound = await ReadIqAsync("bind1", ct);
        if (bound.Attribute("type")?.Value != "result") throw new BenchException("bind failed: " + Condition(bound));
        FullJid = bound.Descendants(BindJid).FirstOrDefault()?.Value ?? throw new BenchException("bind result without a jid");

        if (features.Element(SessionFeature) is { } session && session.Element(Optional) is null)
        {
            await WriteAsync($"<iq type='set' id='sess1'><session xmlns='{Ns.Session}'/></iq>", ct);
            var started = await ReadIqAsync("sess1", ct);
            if (started.Attribute("type")?.Value != "result") throw new BenchException("session failed: " + Condition(started));
        }
    }

    private async Task AuthenticateAsync(XElement features, LoginSettings s, CancellationToken ct)
    {
        var offered = features.Element(Mechanisms)?.Elements(Mechanism).Select(m => m.Value.Trim()).ToList()
            ?? throw new BenchException("no SASL mechanisms offered");
        string mech = s.Mech switch
        {
            "plain" => "PLAIN",
            "scram-sha-256" => "SCRAM-SHA-256",
            "scram-sha-1" => "SCRAM-SHA-1",
            _ => offered.Contains("SCRAM-SHA-256") ? "SCRAM-SHA-256" : "SCRAM-SHA-1",
        };
        if (!offered.Contains(mech))
            throw new BenchException($"{mech} not offered (offered: {string.Join(" ", offered)})");
        MechanismUsed = mech;

        if (mech == "PLAIN")
        {
            var payload = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{User}\0{s.Password}"));
            await WriteAsync($"<auth xmlns='{Ns.Sasl}' mechanism='PLAIN'>{payload}</auth>", ct);
            var answer = await ReadStanzaAsync(ct);
            if (answer.Name.LocalName != "success") throw new BenchException("PLAIN failed: " + SaslCondition(answer));
            return;
        }

        var alg = ScramAlgorithm.ByMechanism(mech)!;
        var scram = new ScramClient(alg, User, s.Password, (salt, iterations) => s.Cache.SaltedPassword(alg, s.Password, salt, iterations));
        await WriteAsync($"<auth xmlns='{Ns.Sasl}' mechanism='{mech}'>{B64(scram.ClientFirst())}</auth>", ct);
        var challenge = await ReadStanzaAsync(ct);
        if (challenge.Name.LocalName != "challenge") throw new BenchException($"{mech} failed: " + SaslCondition(challenge));
        string final;
        try
        {
            final = scram.ClientFinal(FromB64(challenge.Value));
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new BenchException("bad SCRAM server-first-message");
        }
        await WriteAsync($"<response xmlns='{Ns.Sasl}'>{B64(final)}</response>", ct);
        var outcome = await ReadStanzaAsync(ct);
        if (outcome.Name.LocalName == "challenge")
        {
            // Some servers send server-final-message as a challenge and success empty.
            if (!scram.VerifyServerFinal(FromB64(outcome.Value))) throw new BenchException("server signature wrong");
            await WriteAsync($"<response xmlns='{Ns.Sasl}'/>", ct);
            outcome = await ReadStanzaAsync(ct);
            if (outcome.Name.LocalName != "success") throw new BenchException($"{mech} failed: " + SaslCondition(outcome));
            return;
        }
        if (outcome.Name.LocalName != "success") throw new BenchException($"{mech} failed: " + SaslCondition(outcome));
        if (outcome.Value.Length > 0 && !scram.VerifyServerFinal(FromB64(outcome.Value))) throw new BenchException("server signature wrong");
    }

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
    private static string FromB64(string s) => Encoding.UTF8.GetString(Convert.FromBase64String(s.Trim()));
    private static string SaslCondition(XElement e) => e.Elements().FirstOrDefault()?.Name.LocalName ?? e.Name.LocalName;
    private static string Condition(XElement iq) =>
        iq.Elements().FirstOrDefault(x => x.Name.LocalName == "error")?.Elements().FirstOrDefault()?.Name.LocalName ?? "?";

    public static string Escape(string s) =>
        s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("'", "&apos;").Replace("\"", "&quot;");

    private bool _zeroByteReads;

    private void SetStream(Stream stream)
    {
        _reader?.Complete();
        _stream = stream;
        _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 512, leaveOpen: true, useZeroByteReads: _zeroByteReads));
    }

    private async Task<XElement> OpenStreamAsync(string domain, CancellationToken ct)
    {
        await WriteAsync($"<?xml version='1.0'?><stream:stream xmlns='{Ns.Client}' xmlns:stream='{Ns.Stream}' to='{Escape(domain)}' version='1.0'>", ct);
        var ev = await ReadEventAsync(ct);
        if (ev is not StreamOpenEvent) throw new BenchException("expected a stream header");
        var features = await ReadStanzaAsync(ct);
        if (features.Name != Features) throw new BenchException($"expected stream features, got {features.Name.LocalName}");
        return features;
    }

    public async ValueTask<XmppStreamEvent> ReadEventAsync(CancellationToken ct)
    {
        var reader = _reader!;
        while (true)
        {
            var result = await reader.ReadAsync(ct);
            var buffer = result.Buffer;
            bool got;
            XmppStreamEvent? ev;
            try
            {
                got = _parser.TryRead(ref buffer, out ev);
            }
            catch (XmppStreamException e)
            {
                throw new BenchException($"bad XML from the server: {e.Message}");
            }
            if (got)
            {
                reader.AdvanceTo(buffer.Start);
                return ev!;
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted) throw new BenchException("the server closed the connection");
        }
    }

    public async ValueTask<XElement> ReadStanzaAsync(CancellationToken ct)
    {
        var ev = await ReadEventAsync(ct);
        return ev switch
        {
            StanzaEvent { Element: var e } when e.Name == StreamError =>
                throw new BenchException("stream error: " + (e.Elements().FirstOrDefault()?.Name.LocalName ?? "?")),
            StanzaEvent se => se.Element,
            StreamCloseEvent => throw new BenchException("the server closed the stream"),
            _ => throw new BenchException("unexpected stream header"),
        };
    }

    /// <summary>Reads until the iq with this id arrives; other stanzas (presence, roster pushes) are skipped.</summary>
    private async ValueTask<XElement> ReadIqAsync(string id, CancellationToken ct)
    {
        while (true)
        {
            var e = await ReadStanzaAsync(ct);
            if (e.Name.LocalName == "iq" && e.Attribute("id")?.Value == id) return e;
            if (e.Name.LocalName == "iq" && e.Attribute("type")?.Value is "get" or "set")
                await AnswerIqAsync(e, ct);
        }
    }

    public Task AnswerIqAsync(XElement iq, CancellationToken ct)
    {
        var id = Escape(iq.Attribute("id")?.Value ?? "");
        var to = iq.Attribute("from")?.Value is { } from ? $" to='{Escape(from)}'" : "";
        return WriteAsync($"<iq type='result' id='{id}'{to}/>", ct).AsTask();
    }

    public ValueTask WriteAsync(string text, CancellationToken ct) => WriteAsync(Encoding.UTF8.GetBytes(text), ct);

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct);
        try
        {
            await _stream!.WriteAsync(bytes, ct);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// After login: reads until the stream ends, answering the server's iq get/set (pings) and
    /// handing every message to <paramref name="onMessage"/> with its body text (and every presence
    /// to <paramref name="onPresence"/>, if given).
    /// </summary>
    public async Task ReceiveLoopAsync(Action<XmppConn, XElement, string?> onMessage, CancellationToken ct,
        Action<XmppConn, XElement>? onPresence = null)
    {
        try
        {
            while (true)
            {
                var ev = await ReadEventAsync(ct);
                if (ev is StreamCloseEvent) return;
                if (ev is not StanzaEvent { Element: var e }) continue;
                switch (e.Name.LocalName)
                {
                    case "message":
                        onMessage(this, e, e.Element(Body)?.Value);
                        break;
                    case "presence":
                        onPresence?.Invoke(this, e);
                        break;
                    case "iq" when e.Attribute("type")?.Value is "get" or "set":
                        await AnswerIqAsync(e, ct);
                        break;
                    case "error" when e.Name == StreamError:
                        Error = "stream error: " + (e.Elements().FirstOrDefault()?.Name.LocalName ?? "?");
                        return;
                }
            }
        }
        catch (OperationCanceledException) { }
        catch (BenchException e) { Error ??= e.Message; }
        catch (IOException e) { Error ??= e.Message; }
        catch (ObjectDisposedException) { }
    }

    /// <summary>Sends the stream close; the caller then waits for the receive loop (the server's close) or gives up.</summary>
    public async Task CloseAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await WriteAsync("</stream:stream>"u8.ToArray(), cts.Token);
        }
        catch (Exception) { /* already gone */ }
    }

    public async ValueTask DisposeAsync()
    {
        try { _reader?.Complete(); } catch (Exception) { }
        try { if (_stream is not null) await _stream.DisposeAsync(); } catch (Exception) { }
        _socket?.Dispose();
        _writeLock.Dispose();
    }
}
