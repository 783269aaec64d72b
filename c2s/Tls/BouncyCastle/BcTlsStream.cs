using System.Buffers;
using System.Net.Sockets;
using Org.BouncyCastle.Tls;

namespace Xmpp.C2s.Tls.BouncyCastle;

/// <summary>
/// One client's TLS over its socket with BouncyCastle's <see cref="TlsServerProtocol"/> in
/// non-blocking mode: our async socket reads are offered to it, what it has to send is written
/// to the socket, no thread waits per connection. While idle the stream holds no buffer: a read
/// waits with a zero-byte read on the socket and rents its receive buffer from the shared pool only
/// when bytes have arrived; output is copied into a rented buffer per write. BouncyCastle handles
/// the records, alerts, KeyUpdate and close_notify; its state is guarded by one lock, since the read
/// loop and the output pump use it concurrently. Records leave in the order BouncyCastle made them:
/// whoever holds the write gate takes everything pending and writes it.
/// </summary>
public sealed class BcTlsStream : Stream
{
    /// <summary>Most bytes read from the socket at once: one full TLS record with its overhead.</summary>
    private const int ReceiveSize = 16 * 1024 + 512;

    private readonly NetworkStream _network;
    private readonly BcServerProtocol _protocol;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private bool _inputEnded;
    private bool _shutdown; // our close_notify is sent

    private readonly BcXmppTlsServer _server;

    private BcTlsStream(NetworkStream network, BcServerProtocol protocol, BcXmppTlsServer server)
    {
        _network = network;
        _protocol = protocol;
        _server = server;
    }

    /// <summary>The negotiated protocol version (for the debug log).</summary>
    public string Protocol { get; private set; } = "";

    /// <summary>The negotiated cipher suite (for the debug log).</summary>
    public string CipherSuite { get; private set; } = "";

    /// <summary>The negotiated ALPN protocol name; empty when none was (for the debug log).</summary>
    public string ApplicationProtocol => _server.NegotiatedApplicationProtocol;

    /// <summary>True on TLS 1.2 (tls-unique is defined), false on TLS 1.3.</summary>
    public bool IsTls12 => _server.IsTls12;

    /// <summary>
    /// The connection's channel binding data of <paramref name="type"/> (BouncyCastle's
    /// <see cref="ChannelBinding"/> constants), or null when the connection cannot give it.
    /// </summary>
    public byte[]? ExportChannelBinding(int type)
    {
        lock (_protocol) return _server.ExportChannelBinding(type);
    }

    /// <summary>
    /// Runs the server handshake over <paramref name="network"/>; the stream is ready when this
    /// returns. <paramref name="directTls"/>: XEP-0368's port, which negotiates ALPN xmpp-client.
    /// </summary>
    public static async Task<BcTlsStream> AcceptAsync(NetworkStream network, BcServerCredentials credentials, bool directTls, CancellationToken ct)
    {
        var server = new BcXmppTlsServer(credentials, directTls);
        var protocol = new BcServerProtocol();
        var stream = new BcTlsStream(network, protocol, server);
        protocol.Accept(server);
        var buffer = ArrayPool<byte>.Shared.Rent(ReceiveSize);
        try
        {
            while (protocol.IsHandshaking)
            {
                await stream.FlushOutputAsync(ct);
                var read = await network.ReadAsync(buffer.AsMemory(0, ReceiveSize), ct);
                if (read == 0) throw new IOException("the client closed the connection during the TLS handshake");
                await stream.OfferAsync(buffer, read, ct);
            }
            await stream.FlushOutputAsync(ct);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        if (!protocol.IsConnected) throw new IOException("the TLS handshake failed");
        stream.Protocol = server.NegotiatedVersion;
        stream.CipherSuite = server.NegotiatedCipherSuite;
        return stream;
    }

    /// <summary>Hands bytes from the socket to BouncyCastle and sends what it answers (alerts, KeyUpdate, close_notify).</summary>
    private async ValueTask OfferAsync(byte[] buffer, int count, CancellationToken ct)
    {
        try
        {
            lock (_protocol) _protocol.OfferInput(buffer, 0, count);
        }
        catch (IOException)
        {
            // BouncyCastle queued a fatal alert: send it before the connection goes.
            try
            {
                await FlushOutputAsync(ct);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
                // the peer is gone; the first error is the one that counts
            }
            throw;
        }
        await FlushOutputAsync(ct);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            lock (_protocol)
            {
                var available = _protocol.GetAvailableInputBytes();
                if (available > 0)
                {
                    if (buffer.IsEmpty) return 0;
                    return ReadInput(buffer.Span, Math.Min(available, buffer.Length));
                }
                if (_protocol.IsClosed && !_shutdown) return 0; // the client's close_notify (answered), or a failed connection
            }
            if (_inputEnded) return 0;
            if (_shutdown && !buffer.IsEmpty) return await DrainAsync(cancellationToken);
            if (buffer.IsEmpty)
            {
                // Idle: wait for bytes without holding a buffer (the caller reads again after this).
                _ = await _network.ReadAsync(Memory<byte>.Empty, cancellationToken);
                return 0;
            }
            var receive = ArrayPool<byte>.Shared.Rent(ReceiveSize);
            try
            {
                var read = await _network.ReadAsync(receive.AsMemory(0, ReceiveSize), cancellationToken);
                if (read == 0)
                {
                    // End of the connection without close_notify: the end of the stream for the caller.
                    _inputEnded = true;
                    return 0;
                }
                await OfferAsync(receive, read, cancellationToken);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(receive);
            }
        }
    }

    /// <summary>
    /// After our close_notify BouncyCastle takes no more input: what the client still sends (its
    /// closing tag, its close_notify) is read and dropped until it ends the connection, so the
    /// socket is not closed with unread bytes (which would reset it).
    /// </summary>
    private async ValueTask<int> DrainAsync(CancellationToken ct)
    {
        var discard = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            while (await _network.ReadAsync(discard.AsMemory(0, 4096), ct) > 0)
            {
            }
            _inputEnded = true;
            return 0;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(discard);
        }
    }

    private int ReadInput(Span<byte> destination, int count)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(count);
        try
        {
            var read = _protocol.ReadInput(chunk, 0, count);
            chunk.AsSpan(0, read).CopyTo(destination);
            return read;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty) return;
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            lock (_protocol)
            {
                if (System.Runtime.InteropServices.MemoryMarshal.TryGetArray(buffer, out var segment))
                {
                    _protocol.WriteApplicationData(segment.Array!, segment.Offset, segment.Count);
                }
                else
                {
                    var copy = buffer.ToArray();
                    _protocol.WriteApplicationData(copy, 0, copy.Length);
                }
            }
            await WritePendingAsync(cancellationToken);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Writes what BouncyCastle has queued for the client, if anything.</summary>
    private async ValueTask FlushOutputAsync(CancellationToken ct)
    {
        lock (_protocol)
        {
            if (_protocol.GetAvailableOutputBytes() == 0) return;
        }
        await _writeGate.WaitAsync(ct);
        try
        {
            await WritePendingAsync(ct);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Takes every pending output byte and writes it; the caller holds the write gate.</summary>
    private async ValueTask WritePendingAsync(CancellationToken ct)
    {
        while (true)
        {
            byte[] chunk;
            int count;
            lock (_protocol)
            {
                count = _protocol.GetAvailableOutputBytes();
                if (count == 0) return;
                chunk = ArrayPool<byte>.Shared.Rent(count);
                count = _protocol.ReadOutput(chunk, 0, count);
                _protocol.ReleaseEmptyOutputBuffer();
            }
            try
            {
                await _network.WriteAsync(chunk.AsMemory(0, count), ct);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }
    }

    /// <summary>Sends our close_notify (once; nothing if the connection is closed already).</summary>
    public async Task ShutdownAsync()
    {
        lock (_protocol)
        {
            if (!_protocol.IsClosed)
            {
                _protocol.Close();
                _shutdown = true;
            }
        }
        await FlushOutputAsync(CancellationToken.None);
    }

    // The synchronous Stream surface is not used by c2s; it goes through the async paths.
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override void Flush() { }
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    // Dispose leaves the socket's NetworkStream open (it is the connection's to close, as with
    // SslStream's leaveInnerStreamOpen) and the write gate as it is (it holds no wait handle
    // unless a writer blocks, and a pump still finishing must not meet a disposed gate).
}
