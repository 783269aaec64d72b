using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Xmpp.C2s.Tls;

/// <summary>
/// One direction of a TLS 1.3 connection's record protection (RFC 8446 §5.2-5.3): the current
/// traffic secret, its key and IV, and the record sequence number. The AEAD object (an OpenSSL
/// cipher context, ~1 KiB native) is made when a record needs it and dropped by
/// <see cref="ReleaseCipherIfUnused"/> once the direction has been quiet, so an idle connection
/// holds only its key bytes. Not for concurrent use: each direction has one user at a time (the
/// read loop or the output pump); only the release may come from another thread, under the lock.
/// </summary>
internal sealed class Tls13RecordKey : IDisposable
{
    public const int HeaderLength = 5;
    public const int MaxPlaintext = 1 << 14;
    /// <summary>Largest protected record body (RFC 8446 §5.2: 2^14 + 256).</summary>
    public const int MaxCiphertext = (1 << 14) + 256;
    public const byte ApplicationData = 23;
    public const byte Handshake = 22;
    public const byte Alert = 21;

    private readonly Tls13CipherSuite _suite;
    private readonly Lock _lock = new();
    private byte[] _secret;
    private byte[] _key;
    private byte[] _iv;
    private AesGcm? _aes;
    private ChaCha20Poly1305? _chaCha;
    private bool _used;
    private bool _disposed;

    public Tls13RecordKey(Tls13CipherSuite suite, byte[] secret, ulong sequence)
    {
        _suite = suite;
        _secret = secret;
        (_key, _iv) = suite.TrafficKeys(secret);
        Sequence = sequence;
    }

    /// <summary>The next record's sequence number.</summary>
    public ulong Sequence { get; private set; }

    /// <summary>Protects one record: header, <paramref name="plaintext"/>, content type, tag. Returns its length.</summary>
    public int Seal(ReadOnlySpan<byte> plaintext, byte contentType, Span<byte> destination)
    {
        if (plaintext.Length > MaxPlaintext) throw new ArgumentOutOfRangeException(nameof(plaintext));
        var inner = plaintext.Length + 1;
        var length = HeaderLength + inner + Tls13CipherSuite.TagLength;
        var header = destination[..HeaderLength];
        header[0] = ApplicationData;
        header[1] = 3;
        header[2] = 3;
        BinaryPrimitives.WriteUInt16BigEndian(header[3..], (ushort)(inner + Tls13CipherSuite.TagLength));
        var body = destination.Slice(HeaderLength, inner);
        plaintext.CopyTo(body);
        body[^1] = contentType;
        var tag = destination.Slice(HeaderLength + inner, Tls13CipherSuite.TagLength);
        Span<byte> nonce = stackalloc byte[Tls13CipherSuite.IvLength];
        lock (_lock)
        {
            NextNonce(nonce);
            if (_suite.ChaCha) (_chaCha ??= new ChaCha20Poly1305(_key)).Encrypt(nonce, body, body, tag, header);
            else (_aes ??= new AesGcm(_key, Tls13CipherSuite.TagLength)).Encrypt(nonce, body, body, tag, header);
        }
        return length;
    }

    /// <summary>
    /// Opens one record in place (<paramref name="record"/>: header and body). False when it does
    /// not authenticate or holds no content type; otherwise the content starts right after the header.
    /// </summary>
    public bool TryOpen(Span<byte> record, out int contentLength, out byte contentType)
    {
        contentLength = 0;
        contentType = 0;
        if (record.Length < HeaderLength + Tls13CipherSuite.TagLength + 1) return false;
        var header = record[..HeaderLength];
        var body = record[HeaderLength..^Tls13CipherSuite.TagLength];
        var tag = record[^Tls13CipherSuite.TagLength..];
        Span<byte> nonce = stackalloc byte[Tls13CipherSuite.IvLength];
        try
        {
            lock (_lock)
            {
                NextNonce(nonce);
                if (_suite.ChaCha) (_chaCha ??= new ChaCha20Poly1305(_key)).Decrypt(nonce, body, tag, body, header);
                else (_aes ??= new AesGcm(_key, Tls13CipherSuite.TagLength)).Decrypt(nonce, body, tag, body, header);
            }
        }
        catch (CryptographicException)
        {
            return false;
        }
        // TLSInnerPlaintext: content, the content type, then zero padding (RFC 8446 §5.4).
        var last = body.LastIndexOfAnyExcept((byte)0);
        if (last < 0) return false;
        contentType = body[last];
        contentLength = last;
        return true;
    }

    /// <summary>Moves to the next traffic secret (a KeyUpdate was sent or received in this direction).</summary>
    public void Update()
    {
        lock (_lock)
        {
            var next = _suite.NextSecret(_secret);
            CryptographicOperations.ZeroMemory(_secret);
            CryptographicOperations.ZeroMemory(_key);
            _secret = next;
            (_key, _iv) = _suite.TrafficKeys(next);
            Sequence = 0;
            DropCipher();
        }
    }

    /// <summary>Drops the AEAD object when no record used it since the last call; true when it was dropped.</summary>
    public bool ReleaseCipherIfUnused()
    {
        if (!_lock.TryEnter()) return false;
        try
        {
            if (_used)
            {
                _used = false;
                return false;
            }
            return DropCipher();
        }
        finally
        {
            _lock.Exit();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            DropCipher();
            CryptographicOperations.ZeroMemory(_secret);
            CryptographicOperations.ZeroMemory(_key);
        }
    }

    private void NextNonce(Span<byte> nonce)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // The IV XORed with the sequence number, left-padded to the IV's length (RFC 8446 §5.3).
        if (Sequence == ulong.MaxValue) throw new CryptographicException("TLS record sequence number exhausted");
        _iv.CopyTo(nonce);
        var seq = BinaryPrimitives.ReadUInt64BigEndian(nonce[4..]) ^ Sequence;
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], seq);
        Sequence++;
        _used = true;
    }

    private bool DropCipher()
    {
        var had = _aes is not null || _chaCha is not null;
        _aes?.Dispose();
        _chaCha?.Dispose();
        _aes = null;
        _chaCha = null;
        return had;
    }
}
