using System.Buffers;
using System.Text;
using Xmpp.Common.Xml;

namespace Xmpp.Common.Tests;

/// <summary>
/// A tiny stand-in for System.IO.Pipelines: bytes are appended into fixed-size blocks that form a
/// multi-segment ReadOnlySequence, and the parser is driven the way c2s drives it
/// (TryRead until false, then keep buffer.Start..End for the next call).
/// </summary>
internal sealed class StreamFeeder(XmppStreamParser parser, int blockSize = 64)
{
    private sealed class Block : ReadOnlySequenceSegment<byte>
    {
        public readonly byte[] Array;
        public int Written;

        public Block(int size, long runningIndex)
        {
            Array = new byte[size];
            RunningIndex = runningIndex;
            Memory = ReadOnlyMemory<byte>.Empty;
        }

        public void Append(ReadOnlySpan<byte> data)
        {
            data.CopyTo(Array.AsSpan(Written));
            Written += data.Length;
            Memory = Array.AsMemory(0, Written);
        }

        public void Link(Block next) => Next = next;
    }

    private Block? _first;
    private int _firstIndex;
    private Block? _last;

    public List<XmppStreamEvent> Events { get; } = [];

    /// <summary>Bytes handed to the parser so far.</summary>
    public long Fed { get; private set; }

    /// <summary>Bytes the parser has left unconsumed after the last call.</summary>
    public long Pending { get; private set; }

    public ReadOnlySequence<byte> Buffer =>
        _first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_first, _firstIndex, _last!, _last!.Written);

    /// <summary>Appends <paramref name="data"/> and reads every event it completes.</summary>
    public List<XmppStreamEvent> Feed(ReadOnlySpan<byte> data)
    {
        Fed += data.Length;
        while (data.Length > 0)
        {
            if (_last is null || _last.Written == _last.Array.Length)
            {
                var block = new Block(blockSize, _last is null ? 0 : _last.RunningIndex + _last.Written);
                if (_last is null) { _first = block; _firstIndex = 0; }
                else _last.Link(block);
                _last = block;
            }
            var n = Math.Min(data.Length, _last.Array.Length - _last.Written);
            _last.Append(data[..n]);
            data = data[n..];
        }

        var got = new List<XmppStreamEvent>();
        var buffer = Buffer;
        try
        {
            while (parser.TryRead(ref buffer, out var ev))
            {
                Assert.NotNull(ev);
                got.Add(ev);
            }
        }
        finally
        {
            Keep(buffer);
            Events.AddRange(got); // also those read before a stream error
        }
        return got;
    }

    public List<XmppStreamEvent> Feed(string text) => Feed(Encoding.UTF8.GetBytes(text));

    /// <summary>Feeds <paramref name="data"/> in pieces of <paramref name="chunk"/> bytes.</summary>
    public List<XmppStreamEvent> FeedInChunks(byte[] data, int chunk)
    {
        var all = new List<XmppStreamEvent>();
        for (var i = 0; i < data.Length; i += chunk)
            all.AddRange(Feed(data.AsSpan(i, Math.Min(chunk, data.Length - i))));
        return all;
    }

    private void Keep(ReadOnlySequence<byte> rest)
    {
        Pending = rest.Length;
        if (rest.Length == 0)
        {
            _first = _last = null;
            _firstIndex = 0;
            return;
        }
        _first = (Block)rest.Start.GetObject()!;
        _firstIndex = rest.Start.GetInteger();
    }

    /// <summary>Feeds a whole stream at once with a fresh parser.</summary>
    public static List<XmppStreamEvent> ReadAll(string text, XmppParserOptions? options = null, int chunk = int.MaxValue)
    {
        var feeder = new StreamFeeder(new XmppStreamParser(options ?? new XmppParserOptions()));
        var bytes = Encoding.UTF8.GetBytes(text);
        return feeder.FeedInChunks(bytes, Math.Min(chunk, Math.Max(1, bytes.Length)));
    }
}
