using System.Text;
using CsCheck;

namespace Xmpp.Common.Tests;

/// <summary>
/// Property-based tests (CsCheck) of the JID parser (RFC 7622): TryParse never throws and Parse
/// throws only FormatException; a parsed JID formats to text that parses back to the same JID;
/// every part of a parsed JID is 1..1023 bytes of well-formed UTF-8. Cases found are kept as facts.
/// </summary>
public sealed class JidFuzzTests
{
    private static readonly int Iterations = FuzzSettings.Iterations(2000);
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>JID-ish text: separators, dots, case, controls, multi-byte letters, both halves of a surrogate pair alone and together.</summary>
    private static readonly Gen<string> Piece = Gen.OneOf(
        Gen.Const("a"), Gen.Const("B"), Gen.Const("juliet"), Gen.Const("example.com"), Gen.Const("@"), Gen.Const("/"), Gen.Const("."),
        Gen.Const(" "), Gen.Const("\t"), Gen.Const("\0"), Gen.Const("\u007f"), Gen.Const("\u0085"), Gen.Const("é"), Gen.Const("É"),
        Gen.Const("İ"), Gen.Const("ß"), Gen.Const("Σ"), Gen.Const("☺"), Gen.Const("\U0001F600"), Gen.Const("\uD83D"), Gen.Const("\uDE00"),
        Gen.Const("<"), Gen.Const("&"), Gen.Const("'"), Gen.Const(":"), Gen.Const("\uFEFF"), Gen.Const("\u200B"));

    private static readonly Gen<string> JidText = Gen.Frequency(
        (4, Piece.Array[0, 12].Select(string.Concat)),
        (1, Gen.String),
        (1, Gen.Select(Piece.Array[0, 4], Piece.Array[0, 4], Piece.Array[0, 4], (l, d, r) => $"{string.Concat(l)}@{string.Concat(d)}/{string.Concat(r)}")));

    [Fact]
    public void TryParse_never_throws_and_Parse_throws_only_FormatException()
    {
        JidText.Sample(text =>
        {
            var ok = Jid.TryParse(text, out _);
            try
            {
                Jid.Parse(text);
                Assert.True(ok, "Parse accepted what TryParse refused");
            }
            catch (FormatException)
            {
                Assert.False(ok, "Parse refused what TryParse accepted");
            }
        }, iter: Iterations, threads: 1, print: Escape);
    }

    [Fact]
    public void A_parsed_jid_formats_to_text_that_parses_back_to_the_same_jid()
    {
        JidText.Sample(text =>
        {
            if (!Jid.TryParse(text, out var jid)) return;
            var formatted = jid.ToString();
            Assert.True(Jid.TryParse(formatted, out var again), $"'{Escape(formatted)}' does not parse");
            Assert.Equal(jid, again);
            Assert.Equal(formatted, again.ToString());
            Assert.Equal(jid.Bare, Jid.Parse(jid.Bare.ToString()));
        }, iter: Iterations, threads: 1, print: Escape);
    }

    [Fact]
    public void Every_part_of_a_parsed_jid_is_1_to_1023_bytes_of_well_formed_utf8()
    {
        JidText.Sample(text =>
        {
            if (!Jid.TryParse(text, out var jid)) return;
            foreach (var part in new[] { jid.Local, jid.Domain, jid.Resource })
            {
                if (part is null) continue;
                var bytes = StrictUtf8.GetByteCount(part); // throws on a lone surrogate: such a JID could not be written to a stream
                Assert.InRange(bytes, 1, 1023);
            }
        }, iter: Iterations, threads: 1, print: Escape);
    }

    [Fact]
    public void Parts_are_limited_to_1023_bytes_exactly()
    {
        Gen.Select(Gen.Int[0, 2], Gen.Int[1015, 1030], Gen.OneOf(Gen.Const("a"), Gen.Const("é"), Gen.Const("☺")))
            .Sample((which, size, fill) =>
            {
                var sb = new StringBuilder();
                while (Encoding.UTF8.GetByteCount(sb.ToString()) + Encoding.UTF8.GetByteCount(fill) <= size) sb.Append(fill);
                while (Encoding.UTF8.GetByteCount(sb.ToString()) < size) sb.Append('a');
                var part = sb.ToString();
                var text = which switch
                {
                    0 => $"{part}@example.com/r",
                    1 => $"user@{part}/r",
                    _ => $"user@example.com/{part}",
                };
                Assert.Equal(size <= 1023, Jid.TryParse(text, out _));
            }, iter: FuzzSettings.Iterations(300), threads: 1);
    }

    private static string Escape(string s) =>
        string.Concat(s.Select(c => c is >= ' ' and < '\u007f' ? c.ToString() : $"\\u{(int)c:X4}"));
}

/// <summary>Cases the JID properties found, spelled out.</summary>
public sealed class JidFuzzRegressionTests
{
    [Fact]
    public void A_lone_surrogate_is_refused()
    {
        // Not theory data: xunit would carry these strings through serialization as U+FFFD.
        foreach (var text in new[]
        {
            "\uD83D",                      // found: a lone high surrogate was a valid domain
            "\uDE00@example.com",          // a lone low surrogate in the local part
            "user@example.com/\uD83Dx",    // in the resource
            "user@exa\uDE00\uD83Dmple.com", // both halves, in the wrong order
        })
        {
            Assert.False(Jid.TryParse(text, out _), text);
            Assert.Throws<FormatException>(() => Jid.Parse(text));
        }
    }

    [Fact]
    public void A_surrogate_pair_is_accepted()
    {
        var jid = Jid.Parse("\U0001F600@example.com/\U0001F600");
        Assert.Equal("\U0001F600", jid.Local);
        Assert.Equal("\U0001F600", jid.Resource);
    }
}
