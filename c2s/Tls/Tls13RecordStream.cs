using System.Buffers;
using System.Buffers.Binary;
using Xmpp.C2s.Connections;

namespace Xmpp.C2s.Tls;

/// <summary>
/// A TLS 1.3 connection's record layer after the handshake (RFC 8446 §5), in place of OpenSSL's:
/// c2s hands an established client over to it (<see cref="OpenSslTrafficSecrets"/>,
/// <see cref="HandOverStream"/>) so that the OpenSSL connection object, its cipher contexts and
/// handshake leftovers (~15 KiB per client) are freed, as kernel TLS would allow. What it does:
/// application data both ways, close_notify, KeyUpdate both ways (RFC 8446 §4.6.3). Anything else
/// the client sends (a record that does not authenticate, another alert, another handshake
/// message, an oversized record) ends the connection with an <see cref="IOException"/>.
/// <para>One reader and one writer at a time (the read loop and the output pump); an idle
/// connection holds no buffer and, after <see cref="ReleaseIdleCiphers"/>, no cipher object.</para>
/// </summary>
internal sealed class Tls13RecordStream(Stream inner, Tls13RecordKey read, Tls13RecordKey write, bool keyUpdateOwed = false)
    : LayeredStream(inner)
{
    private const int ReadSize = 8192;
    private const byte KeyUpdateMessage = 24;
    private const int RecordOverhead = Tls13RecordKey.HeaderLength + 1 + Tls13CipherSuite.TagLength;

    private readonly PooledBuffer _in = new(ReadSize); // received bytes not yet returned; the first record opened in place
    private int _plainOffset;                          // unread content of the opened first record, if any
    private int _plainLeft;
    private int _openedRecord;                         // length of the opened first record (0: none)
    private bool _closed;                              // close_notify received
    private int _keyUpdateOwed = keyUpdateOwed ? 1 : 0; // the client asked for our KeyUpdate (update_requested)

    /// <summary>Drops both directions' cipher objects if unused since the last call (a quiet connection keeps only keys).</summary>
    public void ReleaseIdleCiphers()
    {
        read.ReleaseCipherIfUnused();
        write.ReleaseCipherIfUnused();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_plainLeft > 0) return destination.IsEmpty ? 0 : CopyPlaintext(destination.Span);
            if (_closed) return 0;
            if (TryOpenRecord()) continue;
            var missing = MissingBytes();
            if (destination.IsEmpty && _in.IsEmpty)
            {
                // Zero-byte read: wait for the client holding no buffer.
                _ = await Inner.ReadAsync(Memory<byte>.Empty, cancellationToken);
                return 0;
            }
            var n = await Inner.ReadAsync(_in.GetSpace(Math.Max(ReadSize, missing)), cancellationToken);
            if (n == 0)
            {
                if (!_in.IsEmpty) throw new IOException("the client closed the connection inside a TLS record");
                return 0;
            }
            _in.Advance(n);
        }
    }

    private int CopyPlaintext(Span<byte> destination)
    {
        var n = Math.Min(destination.Length, _plainLeft);
        _in.Data.Slice(_plainOffset, n).CopyTo(destination);
        _plainOffset += n;
        _plainLeft -= n;
        if (_plainLeft == 0) ConsumeRecord();
        return n;
    }

    private void ConsumeRecord()
    {
        _in.Consume(_openedRecord);
        _openedRecord = 0;
    }

    /// <summary>Bytes still needed for the first record to be complete (at least one).</summary>
    private int MissingBytes()
    {
        if (_in.Length < Tls13RecordKey.HeaderLength) return Tls13RecordKey.HeaderLength - (int)_in.Length;
        return Math.Max(1, Tls13RecordKey.HeaderLength + BodyLength() - (int)_in.Length);
    }

    private int BodyLength()
    {
        Span<byte> header = stackalloc byte[Tls13RecordKey.HeaderLength];
        _in.Data.Slice(0, Tls13RecordKey.HeaderLength).CopyTo(header);
        if (header[0] != Tls13RecordKey.ApplicationData) throw new IOException($"unexpected TLS record type {header[0]} after the handshake");
        var length = BinaryPrimitives.ReadUInt16BigEndian(header[3..]);
        if (length > Tls13RecordKey.MaxCiphertext) throw new IOException("TLS record too long (record_overflow)");
        return length;
    }

    /// <summary>Opens the first record if it is complete; its content becomes readable or is acted on.</summary>
    private bool TryOpenRecord()
    {
        if (_in.Length < Tls13RecordKey.HeaderLength) return false;
        var recordLength = Tls13RecordKey.HeaderLength + BodyLength();
        if (_in.Length < recordLength) return false;
        var record = System.Runtime.InteropServices.MemoryMarshal.AsMemory(_in.Data.First)[..recordLength].Span;
        if (!read.TryOpen(record, out var contentLength, out var contentType))
            throw new IOException("a TLS record did not authenticate (bad_record_mac)");
        _openedRecord = recordLength;
        var content = record.Slice(Tls13RecordKey.HeaderLength, contentLength);
        switch (contentType)
        {
            case Tls13RecordKey.ApplicationData:
                _plainOffset = Tls13RecordKey.HeaderLength;
                _plainLeft = contentLength;
                if (contentLength == 0) ConsumeRecord();
                return true;
            case Tls13RecordKey.Alert:
                // close_notify (warning, 0) ends the stream; any other alert ends the connection.
                if (content.Length == 2 && content[1] == 0)
                {
                    _closed = true;
                    ConsumeRecord();
                    return true;
                }
                throw new IOException(content.Length == 2 ? $"TLS alert {content[1]} from the client" : "malformed TLS alert");
            case Tls13RecordKey.Handshake:
                OnHandshakeMessages(content);
                ConsumeRecord();
                return true;
            default:
                throw new IOException($"unexpected TLS content type {contentType} (unexpected_message)");
        }
    }

    /// <summary>Post-handshake messages: KeyUpdate is the one a client may send a server.</summary>
    private void OnHandshakeMessages(ReadOnlySpan<byte> content)
    {
        while (!content.IsEmpty)
        {
            if (content.Length < 4) throw new IOException("truncated TLS handshake message");
            var length = content[1] << 16 | content[2] << 8 | content[3];
            if (content[0] != KeyUpdateMessage || length != 1 || content.Length < 5 || content[4] > 1)
                throw new IOException($"unexpected TLS handshake message {content[0]} after the handshake");
            // The client's next record uses its next secret, so nothing may follow in this one
            // (RFC 8446 §5.1); update_requested asks for ours.
            if (content.Length > 5) throw new IOException("data after a KeyUpdate in the same TLS record");
            read.Update();
            if (content[4] == 1) Volatile.Write(ref _keyUpdateOwed, 1);
            content = content[5..];
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        var owed = Interlocked.Exchange(ref _keyUpdateOwed, 0) == 1;
        if (data.IsEmpty && !owed) return;
        var records = (data.Length + Tls13RecordKey.MaxPlaintext - 1) / Tls13RecordKey.MaxPlaintext;
        var size = data.Length + records * RecordOverhead + (owed ? RecordOverhead + 5 : 0);
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var written = 0;
            if (owed)
            {
                // Our KeyUpdate (update_not_requested) under the old key, then everything under the new one.
                ReadOnlySpan<byte> keyUpdate = [KeyUpdateMessage, 0, 0, 1, 0];
                written += write.Seal(keyUpdate, Tls13RecordKey.Handshake, buffer);
                write.Update();
            }
            for (var offset = 0; offset < data.Length; offset += Tls13RecordKey.MaxPlaintext)
            {
                var chunk = data.Span.Slice(offset, Math.Min(Tls13RecordKey.MaxPlaintext, data.Length - offset));
                written += write.Seal(chunk, Tls13RecordKey.ApplicationData, buffer.AsSpan(written));
            }
            await Inner.WriteAsync(buffer.AsMemory(0, written), cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            read.Dispose();
            write.Dispose();
            _in.Release();
        }
        base.Dispose(disposing);
    }
}
