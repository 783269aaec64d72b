using System.Buffers;
using System.Text;
using Xmpp.C2s.Connections;
using Xmpp.Common.Xml;

namespace Xmpp.C2s.Tests;

public sealed class PooledBufferTests
{
    private static void Receive(PooledBuffer buffer, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var space = buffer.GetSpace();
        Assert.True(space.Length >= bytes.Length);
        bytes.CopyTo(space);
        buffer.Advance(bytes.Length);
    }

    private static string Text(ReadOnlySequence<byte> data) => Encoding.UTF8.GetString(data.ToArray());

    [Fact]
    public void An_empty_buffer_holds_no_array_and_shows_nothing()
    {
        var buffer = new PooledBuffer(16);
        Assert.True(buffer.IsEmpty);
        Assert.True(buffer.Data.IsEmpty);
        Receive(buffer, "<a/>");
        buffer.Consume(4);
        Assert.True(buffer.IsEmpty);
        Assert.True(buffer.Data.IsEmpty);
    }

    [Fact]
    public void Unconsumed_bytes_are_shown_again_with_the_next_read()
    {
        var buffer = new PooledBuffer(16);
        Receive(buffer, "<a/><b>par");
        buffer.Consume(4);
        Receive(buffer, "tial</b>");
        Assert.Equal("<b>partial</b>", Text(buffer.Data));
    }

    [Fact]
    public void A_token_longer_than_the_read_size_grows_the_buffer_and_keeps_every_byte()
    {
        var buffer = new PooledBuffer(8);
        var expected = new StringBuilder();
        for (var i = 0; i < 100; i++)
        {
            var chunk = $"{i:D3}-";
            expected.Append(chunk);
            Receive(buffer, chunk);
        }
        Assert.Equal(expected.ToString(), Text(buffer.Data));
        buffer.Consume(buffer.Length - 4);
        Assert.Equal("099-", Text(buffer.Data));
        Receive(buffer, "end");
        Assert.Equal("099-end", Text(buffer.Data));
    }

    [Fact]
    public void Consuming_more_than_is_held_is_refused()
    {
        var buffer = new PooledBuffer(16);
        Receive(buffer, "abc");
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Consume(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Advance(int.MaxValue));
    }

    [Fact]
    public void The_stream_parser_reads_stanzas_split_across_reads()
    {
        // The read loop's pattern: parse what is there, consume what the parser took, read more.
        var parser = new XmppStreamParser(new XmppParserOptions { MaxStanzaBytes = 1024, MaxDepth = 8 });
        var buffer = new PooledBuffer(8);
        var names = new List<string>();
        var input = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>"
            + "<message to='a@localhost'><body>hello there</body></message><presence/>";
        foreach (var chunk in input.Chunk(5))
        {
            Receive(buffer, new string(chunk));
            var data = buffer.Data;
            var length = data.Length;
            while (parser.TryRead(ref data, out var ev))
                names.Add(ev is StanzaEvent s ? s.Element.Name.LocalName : ev!.GetType().Name);
            buffer.Consume(length - data.Length);
        }
        Assert.Equal([nameof(StreamOpenEvent), "message", "presence"], names);
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void Space_larger_than_the_default_is_given_when_asked_for()
    {
        var buffer = new PooledBuffer(16);
        Receive(buffer, "head ");
        var space = buffer.GetSpace(100);
        Assert.True(space.Length >= 100);
        var bytes = Encoding.UTF8.GetBytes(new string('x', 100));
        bytes.CopyTo(space);
        buffer.Advance(bytes.Length);
        Assert.Equal("head " + new string('x', 100), Text(buffer.Data));
    }
}
