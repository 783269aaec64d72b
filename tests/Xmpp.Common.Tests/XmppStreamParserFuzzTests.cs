using System.Text;
using System.Xml.Linq;
using CsCheck;
using Xmpp.Common.Xml;

namespace Xmpp.Common.Tests;

/// <summary>
/// Property-based tests (CsCheck) of the stream parser: generated valid streams give the same
/// events however they are split; random and mutated input never throws anything but
/// <see cref="XmppStreamException"/>, and gives the same result split or whole; the stanza size and
/// depth limits hold exactly. Each property runs a bounded number of iterations on one thread.
/// Cases found here are kept as plain facts at the end.
/// </summary>
public sealed class XmppStreamParserFuzzTests
{
    private static readonly int Iterations = FuzzSettings.Iterations(400);

    private const string Header =
        "<stream:stream to='example.com' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";

    // ---- generators ----

    private static readonly Gen<string> Name = Gen.OneOf(
        Gen.Const("message"), Gen.Const("body"), Gen.Const("x"), Gen.Const("a"), Gen.Const("café"), Gen.Const("q:item"), Gen.Const("n-1.b_c"));

    /// <summary>Text pieces, escaped or not, including markup characters, multi-byte UTF-8 and a surrogate pair.</summary>
    private static readonly Gen<string> TextPiece = Gen.OneOf(
        Gen.Const("a"), Gen.Const(" "), Gen.Const("hello"), Gen.Const("é"), Gen.Const("☺"), Gen.Const("\U0001F600"), Gen.Const("\n"),
        Gen.Const("&amp;"), Gen.Const("&lt;"), Gen.Const("&gt;"), Gen.Const("&quot;"), Gen.Const("&apos;"), Gen.Const("&#x263A;"), Gen.Const("&#233;"),
        Gen.Const(">"), Gen.Const("]]a"), Gen.Const("<![CDATA[<b>&]]>")); // "]]>" is not allowed in text

    private static readonly Gen<string> Text = TextPiece.Array[1, 6].Select(string.Concat);

    private static readonly Gen<string> AttrValue = TextPiece.Where(p => !p.Contains('<')).Array[0, 4].Select(string.Concat);

    private static Gen<string> Element(int depth) =>
        Gen.Select(Name, AttrValue.Array[0, 3], Gen.Bool, depth == 0
                ? Gen.Const(Array.Empty<string>())
                : Gen.Frequency((2, Text), (1, Element(depth - 1))).Array[0, 3],
            (name, values, quote, children) =>
            {
                var q = quote ? '\'' : '"';
                var attrs = string.Concat(values.Select((v, i) => $" a{i}={q}{(quote ? v.Replace("'", "&apos;") : v.Replace("\"", "&quot;"))}{q}"));
                var ns = name.StartsWith("q:", StringComparison.Ordinal) ? " xmlns:q='urn:q'" : "";
                return children.Length == 0 ? $"<{name}{ns}{attrs}/>" : $"<{name}{ns}{attrs}>{string.Concat(children)}</{name}>";
            });

    private static readonly Gen<string> Whitespace = Gen.OneOf(Gen.Const(""), Gen.Const(" "), Gen.Const("\n"), Gen.Const("\r\n  "));

    /// <summary>A valid stream: optional declaration, header, 1-5 stanzas with whitespace between, optional close.</summary>
    private static readonly Gen<string> ValidStream = Gen.Select(Gen.Bool, Gen.Select(Element(3), Whitespace).Array[1, 5], Gen.Bool,
        (declaration, stanzas, close) =>
            (declaration ? "<?xml version='1.0'?>" : "") + Header +
            string.Concat(stanzas.Select(s => s.Item1 + s.Item2)) + (close ? "</stream:stream>" : ""));

    /// <summary>Where to cut the bytes: a sorted set of offsets inside them.</summary>
    private static Gen<int[]> Cuts(int length) =>
        Gen.Int[1, Math.Max(1, length - 1)].Array[0, 12].Select(c => c.Where(x => x < length).Distinct().Order().ToArray());

    private static readonly byte[] Interesting = "<>&/'\"!?[]=; :x\n"u8.ToArray().Concat(new byte[] { 0x00, 0x80, 0xC3, 0xE2, 0xF0, 0xFF, 0xA9 }).ToArray();

    /// <summary>1-3 mutations of the bytes: a byte replaced, deleted, or inserted (interesting bytes or any).</summary>
    private static Gen<byte[]> Mutated(byte[] source) =>
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, Math.Max(0, source.Length - 1)], Gen.Frequency((3, Gen.OneOf(Interesting)), (1, Gen.Byte)))
            .Array[1, 3]
            .Select(mutations =>
            {
                var bytes = source.ToList();
                foreach (var (kind, at, value) in mutations)
                {
                    var i = Math.Min(at, Math.Max(0, bytes.Count - 1));
                    switch (kind)
                    {
                        case 0 when bytes.Count > 0: bytes[i] = value; break;
                        case 1 when bytes.Count > 0: bytes.RemoveAt(i); break;
                        default: bytes.Insert(i, value); break;
                    }
                }
                return bytes.ToArray();
            });

    // ---- running the parser ----

    /// <summary>What a stream gave: its events, then the stream error if there was one.</summary>
    private sealed record Outcome(IReadOnlyList<string> Events, string? Error)
    {
        public override string ToString() => string.Join("\n", Events) + (Error is null ? "" : "\nerror " + Error);
    }

    private static string Describe(XmppStreamEvent ev) => ev switch
    {
        StreamOpenEvent o => "open " + string.Join(",", o.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}")) + " ns=" + o.DefaultNamespace,
        StanzaEvent s => $"stanza {s.Size} {s.Element.ToString(SaveOptions.DisableFormatting)}",
        StreamCloseEvent => "close",
        _ => ev.ToString()!,
    };

    /// <summary>
    /// Feeds <paramref name="bytes"/> cut at <paramref name="cuts"/> (in blocks of
    /// <paramref name="blockSize"/>, a multi-segment buffer); any exception but
    /// <see cref="XmppStreamException"/> escapes and fails the property.
    /// </summary>
    private static Outcome Run(byte[] bytes, int[] cuts, XmppParserOptions? options = null, int blockSize = 64)
    {
        var feeder = new StreamFeeder(new XmppStreamParser(options ?? new XmppParserOptions()), blockSize);
        var from = 0;
        try
        {
            foreach (var cut in cuts.Append(bytes.Length))
            {
                if (cut <= from) continue;
                feeder.Feed(bytes.AsSpan(from, cut - from));
                from = cut;
            }
            return new Outcome(feeder.Events.Select(Describe).ToList(), null);
        }
        catch (XmppStreamException e)
        {
            return new Outcome(feeder.Events.Select(Describe).ToList(), e.Condition);
        }
    }

    private static string Show(byte[] bytes) => Convert.ToHexString(bytes) + " = " + Encoding.UTF8.GetString(bytes);

    // ---- properties ----

    [Fact]
    public void Valid_streams_give_the_same_events_however_they_are_split()
    {
        ValidStream.Select(s => Encoding.UTF8.GetBytes(s))
            .SelectMany(bytes => Gen.Select(Gen.Const(bytes), Cuts(bytes.Length), Gen.Int[1, 70]))
            .Sample((bytes, cuts, block) =>
            {
                var whole = Run(bytes, []);
                Assert.Null(whole.Error);
                Assert.Equal(whole.Events, Run(bytes, cuts, blockSize: block).Events);
            }, iter: Iterations, threads: 1, print: t => $"{Show(t.Item1)} cut at [{string.Join(",", t.Item2)}] block {t.Item3}");
    }

    [Fact]
    public void Mutated_streams_throw_only_stream_errors_and_give_the_same_result_however_they_are_split()
    {
        ValidStream.Select(s => Encoding.UTF8.GetBytes(s))
            .SelectMany(bytes => Mutated(bytes))
            .SelectMany(bytes => Gen.Select(Gen.Const(bytes), Cuts(bytes.Length)))
            .Sample((bytes, cuts) =>
            {
                var whole = Run(bytes, []);
                Assert.Equal(whole.ToString(), Run(bytes, cuts).ToString());
                Assert.Equal(whole.ToString(), Run(bytes, [.. Enumerable.Range(1, bytes.Length)]).ToString()); // byte by byte
            }, iter: Iterations, threads: 1, print: t => $"{Show(t.Item1)} cut at [{string.Join(",", t.Item2)}]");
    }

    [Fact]
    public void Random_bytes_before_or_after_a_header_throw_only_stream_errors()
    {
        Gen.Select(Gen.Bool, Gen.Frequency((3, Gen.OneOf(Interesting)), (1, Gen.Byte)).Array[0, 200])
            .Sample((afterHeader, junk) =>
            {
                var bytes = afterHeader ? [.. Encoding.UTF8.GetBytes(Header), .. junk] : junk;
                Run(bytes, []);
                Run(bytes, [.. Enumerable.Range(1, bytes.Length)]);
            }, iter: Iterations, threads: 1, print: t => Show(t.Item2));
    }

    [Fact]
    public void No_stanza_over_MaxStanzaBytes_is_accepted_and_every_one_up_to_it_is()
    {
        const int limit = 120;
        var options = new XmppParserOptions { MaxStanzaBytes = limit };
        Gen.Select(Gen.Int[limit - 40, limit + 40], Gen.OneOf(Gen.Const("x"), Gen.Const("é"), Gen.Const("&amp;")), Gen.Int[1, 50])
            .Sample((size, fill, chunk) =>
            {
                // <message><body>...</body></message> of exactly `size` bytes (or one less when a multi-byte fill does not fit).
                var frame = "<message><body></body></message>";
                var content = new StringBuilder();
                while (Encoding.UTF8.GetByteCount(frame) + Encoding.UTF8.GetByteCount(content.ToString()) + Encoding.UTF8.GetByteCount(fill) <= size) content.Append(fill);
                while (Encoding.UTF8.GetByteCount(frame) + Encoding.UTF8.GetByteCount(content.ToString()) < size) content.Append('x');
                var stanza = $"<message><body>{content}</body></message>";
                var bytes = Encoding.UTF8.GetBytes(Header + stanza + stanza);
                var stanzaBytes = Encoding.UTF8.GetByteCount(stanza);
                Assert.Equal(size, stanzaBytes);

                var cuts = Enumerable.Range(1, bytes.Length / chunk).Select(i => i * chunk).ToArray();
                var outcome = Run(bytes, cuts, options);
                if (stanzaBytes <= limit)
                {
                    Assert.Null(outcome.Error);
                    Assert.Equal(3, outcome.Events.Count);
                }
                else
                {
                    Assert.Equal(StreamErrors.PolicyViolation, outcome.Error);
                    Assert.Single(outcome.Events); // just the header: no part of the stanza was accepted
                }
            }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void Nesting_deeper_than_MaxDepth_is_refused_and_up_to_it_accepted()
    {
        Gen.Select(Gen.Int[1, 10], Gen.Int[1, 14], Gen.Bool, Gen.Int[1, 9])
            .Sample((maxDepth, depth, empty, chunk) =>
            {
                var open = string.Concat(Enumerable.Range(0, depth - 1).Select(i => $"<e{i}>"));
                var close = string.Concat(Enumerable.Range(0, depth - 1).Reverse().Select(i => $"</e{i}>"));
                var innermost = empty ? "<leaf/>" : "<leaf>t</leaf>";
                var stanza = depth == 1 ? innermost : open + innermost + close;
                var bytes = Encoding.UTF8.GetBytes(Header + stanza);
                var cuts = Enumerable.Range(1, bytes.Length / chunk).Select(i => i * chunk).ToArray();

                var outcome = Run(bytes, cuts, new XmppParserOptions { MaxDepth = maxDepth });
                if (depth <= maxDepth) Assert.Equal((string?)null, outcome.Error);
                else Assert.Equal(StreamErrors.PolicyViolation, outcome.Error);
            }, iter: Iterations, threads: 1);
    }
}
