using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Xmpp.Common;

namespace Xmpp.Integration.Tests.Clients;

/// <summary>
/// A bare-bones XMPP client over TLS with no reader task: it reads only when the test asks, so a
/// test can play a client that is slow to read, or one that stops reading altogether (its socket
/// buffers fill and the server has to hold, or drop, what it has for it). Logs in with STARTTLS,
/// SASL PLAIN and bind, matching answers by plain text markers.
/// </summary>
public sealed class RawTlsClient : IAsyncDisposable
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly NetworkStream _network;
    private Stream _stream;
    private readonly StringBuilder _pending = new();
    private readonly byte[] _buffer = new byte[16 * 1024];

    private RawTlsClient(Socket socket)
    {
        _socket = socket;
        _network = new NetworkStream(socket, ownsSocket: true);
        _stream = _network;
    }

    public string Jid { get; private set; } = "";

    /// <summary>
    /// Connects to 127.0.0.1:<paramref name="port"/> and logs in (STARTTLS, PLAIN, bind, and presence
    /// unless told not to). <paramref name="receiveBuffer"/> sets a small kernel receive buffer, so a
    /// client that stops reading stops taking data early.
    /// </summary>
    public static async Task<RawTlsClient> LoginAsync(int port, string jid, string password, string resource, int? receiveBuffer = null, bool presence = true)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBuffer is { } size) socket.ReceiveBufferSize = size;
        try
        {
            using var connect = new CancellationTokenSource(StepTimeout);
            await socket.ConnectAsync("127.0.0.1", port, connect.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var client = new RawTlsClient(socket);
        try
        {
            await client.OpenAsync();
            await client.SendAsync($"<starttls xmlns='{Ns.Tls}'/>");
            await client.ReadUntilAsync("<proceed", StepTimeout);
            var tls = new SslStream(client._network, leaveInnerStreamOpen: true);
            using (var cts = new CancellationTokenSource(StepTimeout))
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = "localhost",
                    RemoteCertificateValidationCallback = (_, _, _, _) => true,
                }, cts.Token);
            client._stream = tls;
            client._pending.Clear();
            await client.OpenAsync();
            var local = jid.Split('@')[0];
            var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{local}\0{password}"));
            await client.SendAsync($"<auth xmlns='{Ns.Sasl}' mechanism='PLAIN'>{plain}</auth>");
            var answer = await client.ReadUntilAsync("/>", StepTimeout);
            if (!answer.Contains("<success")) throw new InvalidOperationException($"PLAIN login of {jid} failed: {answer}");
            client._pending.Clear();
            await client.OpenAsync();
            await client.SendAsync($"<iq type='set' id='bind-1'><bind xmlns='{Ns.Bind}'><resource>{resource}</resource></bind></iq>");
            var bound = await client.ReadUntilAsync("</iq>", StepTimeout);
            var start = bound.IndexOf("<jid>", StringComparison.Ordinal);
            var end = bound.IndexOf("</jid>", StringComparison.Ordinal);
            if (start < 0 || end < start) throw new InvalidOperationException($"bind of {jid} failed: {bound}");
            client.Jid = bound[(start + 5)..end];
            if (presence) await client.SendAsync("<presence/>");
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    private async Task OpenAsync()
    {
        await SendAsync($"<?xml version='1.0'?><stream:stream xmlns='{Ns.Client}' xmlns:stream='{Ns.Stream}' to='localhost' version='1.0'>");
        await ReadUntilAsync("</stream:features>", StepTimeout);
    }

    public async Task SendAsync(string xml)
    {
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(xml));
        await _stream.FlushAsync();
    }

    /// <summary>Reads until <paramref name="marker"/> arrives; returns the text up to and including it (the rest stays for the next read).</summary>
    public async Task<string> ReadUntilAsync(string marker, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var text = _pending.ToString();
            var at = text.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0)
            {
                _pending.Clear().Append(text[(at + marker.Length)..]);
                return text[..(at + marker.Length)];
            }
            int n;
            try
            {
                n = await _stream.ReadAsync(_buffer, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no '{marker}' within {timeout.TotalSeconds:0.#} s; received: {Tail(text)}");
            }
            if (n == 0) throw new InvalidOperationException($"the server closed the connection before '{marker}'; received: {Tail(text)}");
            _pending.Append(Encoding.UTF8.GetString(_buffer, 0, n));
        }
    }

    /// <summary>
    /// Reads everything until the server closes the connection (or <paramref name="timeout"/>) and
    /// returns it, with how it ended: "eof", "reset: ..." or "timeout". Sends the client's own
    /// &lt;/stream:stream&gt; once the server's has arrived, as RFC 6120 §4.4 asks.
    /// </summary>
    public async Task<(string Text, string End)> ReadToEndAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var closedOurs = false;
        while (true)
        {
            int n;
            try
            {
                n = await _stream.ReadAsync(_buffer, cts.Token);
            }
            catch (OperationCanceledException)
            {
                return (_pending.ToString(), "timeout");
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                return (_pending.ToString(), "reset: " + e.Message);
            }
            if (n == 0) return (_pending.ToString(), "eof");
            _pending.Append(Encoding.UTF8.GetString(_buffer, 0, n));
            if (!closedOurs && _pending.ToString().Contains("</stream:stream>"))
            {
                closedOurs = true;
                try { await SendAsync("</stream:stream>"); }
                catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException) { }
            }
        }
    }

    private static string Tail(string text) => text.Length > 400 ? "..." + text[^400..] : text;

    public async ValueTask DisposeAsync()
    {
        if (_stream is SslStream tls) await tls.DisposeAsync();
        await _network.DisposeAsync();
    }
}
