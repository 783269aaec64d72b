using System.Buffers;

namespace Xmpp.C2s.Connections;

/// <summary>
/// Bytes in one array rented from the shared pool only while it holds something, so an idle
/// connection holds no buffer. A client connection has two: what the client sent that the stream
/// parser has not consumed yet (a stanza still arriving; the parser's own limits bound how far it
/// grows, a token longer than <c>MaxStanzaBytes</c> is refused before it is complete), and what the
/// output pump has taken from its queue and not written yet.
/// </summary>
internal sealed class PooledBuffer(int defaultSpace)
{
    private byte[]? _array;
    private int _start;
    private int _end;

    public bool IsEmpty => _start == _end;

    public int Length => _end - _start;

    /// <summary>The bytes held (not yet consumed); valid until the next <see cref="GetSpace"/> or <see cref="Consume"/>.</summary>
    public ReadOnlySequence<byte> Data => _array is null ? ReadOnlySequence<byte>.Empty : new(_array, _start, _end - _start);

    /// <summary>Room for the next read, at least the default space, after the bytes held.</summary>
    public Memory<byte> GetSpace() => GetSpace(defaultSpace);

    /// <summary>Room for at least <paramref name="size"/> bytes after the bytes held.</summary>
    public Memory<byte> GetSpace(int size)
    {
        if (_array is null)
        {
            _array = ArrayPool<byte>.Shared.Rent(size);
        }
        else if (_array.Length - _end < size)
        {
            var length = Length;
            if (length + size <= _array.Length)
            {
                Buffer.BlockCopy(_array, _start, _array, 0, length);
            }
            else
            {
                var grown = ArrayPool<byte>.Shared.Rent(Math.Max(_array.Length * 2, length + size));
                Buffer.BlockCopy(_array, _start, grown, 0, length);
                ArrayPool<byte>.Shared.Return(_array);
                _array = grown;
            }
            _start = 0;
            _end = length;
        }
        return _array.AsMemory(_end);
    }

    /// <summary>Counts <paramref name="count"/> bytes read into the space <see cref="GetSpace"/> gave.</summary>
    public void Advance(int count)
    {
        if (_array is null || count < 0 || count > _array.Length - _end) throw new ArgumentOutOfRangeException(nameof(count));
        _end += count;
        if (IsEmpty) Release();
    }

    /// <summary>Drops the first <paramref name="count"/> unconsumed bytes; the array goes back to the pool once empty.</summary>
    public void Consume(long count)
    {
        if (count < 0 || count > Length) throw new ArgumentOutOfRangeException(nameof(count));
        _start += (int)count;
        if (IsEmpty) Release();
    }

    public void Release()
    {
        if (_array is not null) ArrayPool<byte>.Shared.Return(_array);
        _array = null;
        _start = _end = 0;
    }
}
