using System.Buffers;
using System.Text;

namespace Xmpp.Common.Xml;

/// <summary>
/// Incremental parser for an XMPP stream: fed whatever bytes arrived, it yields the stream
/// header, each complete first-level element, and the stream close, and leaves the rest.
/// Accepts only RFC 6120's restricted XML: no DTD, comment, processing instruction (other than
/// the initial XML declaration) or entity other than the five predefined ones; CDATA is allowed.
/// </summary>
/// <remarks>
/// A byte scanner keeps its state across calls (tag/attribute/quote state, nesting depth, UTF-8
/// decoding state, the offset already examined), so a stanza arriving in many small chunks is
/// scanned once. When a first-level element is complete its bytes are turned into an XElement by
/// <see cref="XmlTreeBuilder"/>, with the namespace bindings of the stream header in scope.
/// Not thread-safe: one parser per stream.
/// </remarks>
public sealed class XmppStreamParser(XmppParserOptions options)
{
    /// <summary>Largest stream header accepted (the &lt;stream:stream ...&gt; tag).</summary>
    public const int MaxHeaderBytes = 8 * 1024;

    /// <summary>Largest XML declaration accepted.</summary>
    internal const int MaxDeclarationBytes = 512;

    private enum Phase : byte { Prolog, Stream, Closed }

    private enum Kind : byte { None, Declaration, Header, Stanza, Close }

    private enum St : byte
    {
        Idle,          // between tokens at stream level (or in the prolog / after the close)
        Bom,           // inside a leading UTF-8 byte order mark
        Text,          // character data inside a stanza
        Lt,            // after '<'
        StartName,     // start tag name
        TagSpace,      // whitespace inside a start tag
        AttrName,
        AfterAttrName, // whitespace between attribute name and '='
        Eq,            // after '=', before the quote
        AttrValue,     // inside the quotes
        AfterValue,    // after the closing quote
        EmptySlash,    // '/' of an empty-element tag
        EndName,       // end tag name inside a stanza
        EndSpace,      // whitespace after an end tag name
        CloseName,     // the stream's end tag name
        CloseSpace,
        Bang,          // after "<!"
        CdataOpen,     // matching "CDATA["
        Cdata,         // inside a CDATA section
        PiTarget,      // after "<?": matching "xml"
        Declaration,   // inside the XML declaration, up to "?>"
        Ref,           // after '&': entity or character reference name
    }

    // Bytes that need no attention in character data / attribute values: printable ASCII minus markup.
    private static readonly SearchValues<byte> PlainText = SearchValues.Create(BuildPlain("<&"));
    private static readonly SearchValues<byte> PlainValue = SearchValues.Create(BuildPlain("<&\"'"));

    private static readonly byte[] CdataWord = "CDATA["u8.ToArray();

    public XmppParserOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    private readonly XmlTreeBuilder _builder = new();
    private readonly byte[] _ref = new byte[32];

    private Phase _phase;
    private St _st;
    private Kind _kind;
    private long _scanned;        // bytes of the caller's buffer already examined
    private long _tokenStart = -1; // offset in the caller's buffer of the token being scanned
    private long _limit;
    private int _depth;
    private int _attrCount;
    private int _match;
    private byte _quote;
    private St _refReturn;
    private int _refLen;
    private bool _seenAnything;
    private bool _declarationAllowed = true;
    private bool _pendingClose;

    // UTF-8 validation state
    private int _u8Need;
    private int _u8Cp;
    private int _u8Min;

    private byte[] _closeName = [];

    // Hashes of the open elements' names (FNV-1a), so a mismatched end tag is refused at once;
    // the tree builder compares the names exactly when the stanza is complete.
    private ulong[] _names = new ulong[8];
    private ulong _nameHash;

    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    /// <summary>
    /// Tries to read one event from <paramref name="buffer"/>. On success the buffer is sliced
    /// past the bytes consumed. Returns false when more bytes are needed; the buffer may then
    /// also have been sliced past bytes fully consumed (whitespace, the XML declaration), and the
    /// caller keeps what is left of it and calls again with that plus the new bytes (the
    /// System.IO.Pipelines pattern: <c>reader.AdvanceTo(buffer.Start, buffer.End)</c>).
    /// Throws <see cref="XmppStreamException"/> on a protocol violation.
    /// </summary>
    public bool TryRead(ref ReadOnlySequence<byte> buffer, out XmppStreamEvent? ev)
    {
        ev = null;
        if (_pendingClose)
        {
            _pendingClose = false;
            ev = StreamCloseEvent.Instance;
            return true;
        }
        if (_scanned > buffer.Length)
            throw new InvalidOperationException("The buffer is shorter than the bytes already examined: pass back the unconsumed bytes plus the new ones.");

        var pos = _scanned;
        foreach (var memory in buffer.Slice(_scanned))
        {
            var span = memory.Span;
            var k = 0;
            while (k < span.Length)
            {
                // Fast path through plain character data and attribute values.
                if (_u8Need == 0 && (_st == St.Text || _st == St.AttrValue))
                {
                    var rest = span[k..];
                    var skip = rest.IndexOfAnyExcept(_st == St.Text ? PlainText : PlainValue);
                    if (skip < 0) skip = rest.Length;
                    if (skip > 0)
                    {
                        k += skip;
                        CheckLimit(pos + k - 1);
                        if (k == span.Length) break;
                    }
                }

                var at = pos + k;
                var done = Step(span[k], at);
                k++;
                if (done == Kind.None) continue;

                // Only the declaration completes without an event.
                if (done == Kind.Declaration)
                {
                    ReadDeclaration(buffer.Slice(_tokenStart, at + 1 - _tokenStart));
                    _tokenStart = -1;
                    continue;
                }

                var start = _tokenStart;
                var end = at + 1;
                ev = done switch
                {
                    Kind.Header => ReadHeader(buffer.Slice(start, end - start)),
                    Kind.Stanza => ReadStanza(buffer.Slice(start, end - start)),
                    _ => StreamCloseEvent.Instance,
                };
                buffer = buffer.Slice(end);
                _scanned = 0;
                _tokenStart = -1;
                _kind = Kind.None;
                return true;
            }
            pos += span.Length;
        }

        // Need more: drop what is fully consumed, keep the token in progress.
        if (_tokenStart >= 0)
        {
            buffer = buffer.Slice(_tokenStart);
            _scanned = pos - _tokenStart;
            _tokenStart = 0;
        }
        else
        {
            buffer = buffer.Slice(buffer.End);
            _scanned = 0;
        }
        return false;
    }

    /// <summary>Forgets all stream state: used after STARTTLS and SASL success, when the client opens a new stream.</summary>
    public void Reset()
    {
        _phase = Phase.Prolog;
        _st = St.Idle;
        _kind = Kind.None;
        _scanned = 0;
        _tokenStart = -1;
        _limit = 0;
        _depth = 0;
        _attrCount = 0;
        _match = 0;
        _quote = 0;
        _refLen = 0;
        _seenAnything = false;
        _declarationAllowed = true;
        _pendingClose = false;
        _u8Need = 0;
        _u8Cp = 0;
        _u8Min = 0;
        _closeName = [];
        _nameHash = 0;
        _builder.Reset();
    }

    private static XmppStreamException Error(string condition, string? text = null) => new(condition, text);

    private void CheckLimit(long at)
    {
        if (_tokenStart >= 0 && at - _tokenStart + 1 > _limit)
            throw _kind switch
            {
                Kind.Header => Error(StreamErrors.PolicyViolation, "stream header too large"),
                Kind.Declaration => Error(StreamErrors.PolicyViolation, "XML declaration too large"),
                _ => Error(StreamErrors.PolicyViolation, "stanza too large"),
            };
    }

    private static bool IsSpace(byte b) => b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09;

    private static bool IsNameStart(byte b) =>
        (uint)((b | 0x20) - 'a') <= 'z' - 'a' || b == '_' || b == ':' || b >= 0x80;

    private static bool IsNameChar(byte b) =>
        IsNameStart(b) || (uint)(b - '0') <= 9 || b == '-' || b == '.';

    /// <summary>One byte through the UTF-8 validator and the scanner; returns the kind of token it completes, if any.</summary>
    private Kind Step(byte b, long at)
    {
        // UTF-8 and XML Char validity.
        if (_u8Need == 0)
        {
            if (b >= 0x80)
            {
                if ((b & 0xE0) == 0xC0) { if (b < 0xC2) throw BadUtf8(); _u8Need = 1; _u8Cp = b & 0x1F; _u8Min = 0x80; }
                else if ((b & 0xF0) == 0xE0) { _u8Need = 2; _u8Cp = b & 0x0F; _u8Min = 0x800; }
                else if ((b & 0xF8) == 0xF0 && b <= 0xF4) { _u8Need = 3; _u8Cp = b & 0x07; _u8Min = 0x10000; }
                else throw BadUtf8();
            }
            else if (b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D)
                throw Error(StreamErrors.NotWellFormed, "illegal XML character");
        }
        else
        {
            if ((b & 0xC0) != 0x80) throw BadUtf8();
            _u8Cp = (_u8Cp << 6) | (b & 0x3F);
            if (--_u8Need == 0)
            {
                var cp = _u8Cp;
                if (cp < _u8Min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)
                    throw BadUtf8();
            }
        }

        CheckLimit(at);

        switch (_st)
        {
            case St.Idle:
                if (IsSpace(b)) return Kind.None;
                if (b == '<')
                {
                    if (_phase == Phase.Closed) throw Error(StreamErrors.NotWellFormed, "data after the stream close");
                    _seenAnything = true;
                    _tokenStart = at;
                    _limit = _phase == Phase.Prolog ? MaxHeaderBytes : Options.MaxStanzaBytes;
                    _st = St.Lt;
                    return Kind.None;
                }
                if (b == 0xEF && _phase == Phase.Prolog && !_seenAnything)
                {
                    _seenAnything = true;
                    _st = St.Bom;
                    _match = 1;
                    return Kind.None;
                }
                throw _phase == Phase.Stream
                    ? Error(StreamErrors.BadFormat, "character data at stream level")
                    : Error(StreamErrors.NotWellFormed, "character data outside the stream element");

            case St.Bom:
                if ((_match == 1 && b == 0xBB) || (_match == 2 && b == 0xBF))
                {
                    if (++_match == 3) _st = St.Idle;
                    return Kind.None;
                }
                throw Error(StreamErrors.NotWellFormed, "character data before the stream header");

            case St.Text:
                if (b == '<') { _st = St.Lt; return Kind.None; }
                if (b == '&') { BeginRef(St.Text); return Kind.None; }
                return Kind.None;

            case St.Lt:
                if (IsNameStart(b))
                {
                    if (_phase == Phase.Prolog) _kind = Kind.Header;
                    else
                    {
                        _kind = Kind.Stanza;
                        if (++_depth > Options.MaxDepth) throw Error(StreamErrors.PolicyViolation, "elements nested too deeply");
                    }
                    _nameHash = (FnvOffset ^ b) * FnvPrime;
                    _attrCount = 0;
                    _st = St.StartName;
                    return Kind.None;
                }
                if (b == '/')
                {
                    if (_depth > 0) { _match = 0; _nameHash = FnvOffset; _st = St.EndName; return Kind.None; }
                    if (_phase != Phase.Stream) throw Error(StreamErrors.NotWellFormed, "end tag without a start tag");
                    _kind = Kind.Close;
                    _match = 0;
                    _st = St.CloseName;
                    return Kind.None;
                }
                if (b == '!') { _st = St.Bang; return Kind.None; }
                if (b == '?')
                {
                    if (_phase != Phase.Prolog || !_declarationAllowed)
                        throw Error(StreamErrors.RestrictedXml, "processing instruction");
                    _kind = Kind.Declaration;
                    _limit = MaxDeclarationBytes;
                    _match = 0;
                    _st = St.PiTarget;
                    return Kind.None;
                }
                throw Error(StreamErrors.NotWellFormed, "invalid character after '<'");

            case St.StartName:
                if (IsNameChar(b)) { _nameHash = (_nameHash ^ b) * FnvPrime; return Kind.None; }
                PushName();
                if (IsSpace(b)) { _st = St.TagSpace; return Kind.None; }
                if (b == '>') return TagEnd(empty: false);
                if (b == '/') { _st = St.EmptySlash; return Kind.None; }
                throw Error(StreamErrors.NotWellFormed, "invalid character in element name");

            case St.TagSpace:
                if (IsSpace(b)) return Kind.None;
                if (b == '>') return TagEnd(empty: false);
                if (b == '/') { _st = St.EmptySlash; return Kind.None; }
                if (IsNameStart(b))
                {
                    if (++_attrCount > (_kind == Kind.Header ? Math.Max(Options.MaxAttributes, 64) : Options.MaxAttributes)) throw Error(StreamErrors.PolicyViolation, "too many attributes");
                    _st = St.AttrName;
                    return Kind.None;
                }
                throw Error(StreamErrors.NotWellFormed, "invalid character in start tag");

            case St.AttrName:
                if (IsNameChar(b)) return Kind.None;
                if (b == '=') { _st = St.Eq; return Kind.None; }
                if (IsSpace(b)) { _st = St.AfterAttrName; return Kind.None; }
                throw Error(StreamErrors.NotWellFormed, "invalid character in attribute name");

            case St.AfterAttrName:
                if (IsSpace(b)) return Kind.None;
                if (b == '=') { _st = St.Eq; return Kind.None; }
                throw Error(StreamErrors.NotWellFormed, "attribute without a value");

            case St.Eq:
                if (IsSpace(b)) return Kind.None;
                if (b == '"' || b == '\'') { _quote = b; _st = St.AttrValue; return Kind.None; }
                throw Error(StreamErrors.NotWellFormed, "attribute value not quoted");

            case St.AttrValue:
                if (b == _quote) { _st = St.AfterValue; return Kind.None; }
                if (b == '<') throw Error(StreamErrors.NotWellFormed, "'<' in an attribute value");
                if (b == '&') { BeginRef(St.AttrValue); return Kind.None; }
                return Kind.None;

            case St.AfterValue:
                if (IsSpace(b)) { _st = St.TagSpace; return Kind.None; }
                if (b == '>') return TagEnd(empty: false);
                if (b == '/') { _st = St.EmptySlash; return Kind.None; }
                throw Error(StreamErrors.NotWellFormed, "attributes not separated by whitespace");

            case St.EmptySlash:
                if (b == '>') return TagEnd(empty: true);
                throw Error(StreamErrors.NotWellFormed, "'/' not followed by '>'");

            case St.EndName:
                if (_match == 0 ? IsNameStart(b) : IsNameChar(b)) { _match = 1; _nameHash = (_nameHash ^ b) * FnvPrime; return Kind.None; }
                if (_match == 1 && IsSpace(b)) { CheckEndName(); _st = St.EndSpace; return Kind.None; }
                if (_match == 1 && b == '>') { CheckEndName(); return EndTag(); }
                throw Error(StreamErrors.NotWellFormed, "invalid end tag");

            case St.EndSpace:
                if (IsSpace(b)) return Kind.None;
                if (b == '>') return EndTag();
                throw Error(StreamErrors.NotWellFormed, "invalid end tag");

            case St.CloseName:
                if (_match < _closeName.Length && b == _closeName[_match]) { _match++; return Kind.None; }
                if (_match == _closeName.Length)
                {
                    if (IsSpace(b)) { _st = St.CloseSpace; return Kind.None; }
                    if (b == '>') return CloseEnd();
                }
                throw Error(StreamErrors.NotWellFormed, "end tag does not match the stream element");

            case St.CloseSpace:
                if (IsSpace(b)) return Kind.None;
                if (b == '>') return CloseEnd();
                throw Error(StreamErrors.NotWellFormed, "invalid end tag");

            case St.Bang:
                if (b == '-') throw Error(StreamErrors.RestrictedXml, "comment");
                if ((uint)(b - 'A') <= 'Z' - 'A') throw Error(StreamErrors.RestrictedXml, "markup declaration");
                if (b == '[')
                {
                    if (_depth == 0)
                        throw _phase == Phase.Stream
                            ? Error(StreamErrors.BadFormat, "character data at stream level")
                            : Error(StreamErrors.NotWellFormed, "CDATA outside the stream element");
                    _match = 0;
                    _st = St.CdataOpen;
                    return Kind.None;
                }
                throw Error(StreamErrors.NotWellFormed, "invalid markup after '<!'");

            case St.CdataOpen:
                if (b != CdataWord[_match]) throw Error(StreamErrors.NotWellFormed, "invalid CDATA section");
                if (++_match == CdataWord.Length) { _match = 0; _st = St.Cdata; }
                return Kind.None;

            case St.Cdata:
                if (b == ']') { if (_match < 2) _match++; return Kind.None; }
                if (b == '>' && _match == 2) { _match = 0; _st = St.Text; return Kind.None; }
                _match = 0;
                return Kind.None;

            case St.PiTarget:
                if (_match < 3)
                {
                    if (b != "xml"u8[_match]) throw Error(StreamErrors.RestrictedXml, "processing instruction");
                    _match++;
                    return Kind.None;
                }
                if (!IsSpace(b)) throw Error(StreamErrors.RestrictedXml, "processing instruction");
                _match = 0;
                _st = St.Declaration;
                return Kind.None;

            case St.Declaration:
                if (b == '?') { _match = 1; return Kind.None; }
                if (b == '>' && _match == 1)
                {
                    _st = St.Idle;
                    _kind = Kind.None;
                    _declarationAllowed = false;
                    return Kind.Declaration;
                }
                if (b == '<') throw Error(StreamErrors.NotWellFormed, "'<' in the XML declaration");
                _match = 0;
                return Kind.None;

            case St.Ref:
                if (b == ';')
                {
                    CheckRef();
                    _st = _refReturn;
                    return Kind.None;
                }
                if (IsNameChar(b) || b == '#')
                {
                    if (_refLen == _ref.Length) throw Error(StreamErrors.RestrictedXml, "entity reference");
                    _ref[_refLen++] = b;
                    return Kind.None;
                }
                throw Error(StreamErrors.NotWellFormed, "'&' not starting a reference");

            default:
                throw new InvalidOperationException("parser state");
        }
    }

    private static XmppStreamException BadUtf8() => Error(StreamErrors.NotWellFormed, "invalid UTF-8");

    private void BeginRef(St returnTo)
    {
        _refReturn = returnTo;
        _refLen = 0;
        _st = St.Ref;
    }

    private void CheckRef()
    {
        var name = _ref.AsSpan(0, _refLen);
        if (name.Length == 0) throw Error(StreamErrors.NotWellFormed, "empty reference");
        if (name[0] == '#')
        {
            var digits = name[1..];
            var hex = digits.Length > 0 && digits[0] == 'x';
            if (hex) digits = digits[1..];
            if (digits.Length == 0) throw Error(StreamErrors.NotWellFormed, "invalid character reference");
            foreach (var d in digits)
            {
                var ok = (uint)(d - '0') <= 9 || (hex && (uint)((d | 0x20) - 'a') <= 'f' - 'a');
                if (!ok) throw Error(StreamErrors.NotWellFormed, "invalid character reference");
            }
            return;
        }
        if (name.SequenceEqual("lt"u8) || name.SequenceEqual("gt"u8) || name.SequenceEqual("amp"u8) ||
            name.SequenceEqual("quot"u8) || name.SequenceEqual("apos"u8))
            return;
        throw Error(StreamErrors.RestrictedXml, "entity reference other than the predefined ones");
    }

    private void PushName()
    {
        if (_kind != Kind.Stanza) return;
        if (_depth > _names.Length) Array.Resize(ref _names, Math.Max(_depth, _names.Length * 2));
        _names[_depth - 1] = _nameHash;
    }

    private void CheckEndName()
    {
        if (_names[_depth - 1] != _nameHash) throw Error(StreamErrors.NotWellFormed, "end tag does not match the start tag");
    }

    private Kind TagEnd(bool empty)
    {
        if (_kind == Kind.Header)
        {
            _st = St.Idle;
            _pendingClose = empty;
            return Kind.Header;
        }
        if (empty) return EndTag();
        _st = St.Text;
        return Kind.None;
    }

    private Kind EndTag()
    {
        if (--_depth == 0)
        {
            _st = St.Idle;
            return Kind.Stanza;
        }
        _st = St.Text;
        return Kind.None;
    }

    private Kind CloseEnd()
    {
        _st = St.Idle;
        _phase = Phase.Closed;
        return Kind.Close;
    }

    private void ReadDeclaration(ReadOnlySequence<byte> bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        // text is "<?xml ... ?>"
        var body = text[5..^2];
        var pseudo = XmlTreeBuilder.ParsePseudoAttributes(body)
            ?? throw Error(StreamErrors.NotWellFormed, "malformed XML declaration");
        if (!pseudo.TryGetValue("version", out var version) || !version.StartsWith("1.", StringComparison.Ordinal))
            throw Error(StreamErrors.NotWellFormed, "XML declaration without version 1.x");
        if (pseudo.TryGetValue("encoding", out var encoding) && !encoding.Equals("UTF-8", StringComparison.OrdinalIgnoreCase))
            throw Error(StreamErrors.UnsupportedEncoding, "only UTF-8 is supported");
        foreach (var key in pseudo.Keys)
            if (key is not ("version" or "encoding" or "standalone"))
                throw Error(StreamErrors.NotWellFormed, "malformed XML declaration");
    }

    private StreamOpenEvent ReadHeader(ReadOnlySequence<byte> bytes)
    {
        var header = _builder.ReadStreamHeader(Encoding.UTF8.GetString(bytes));
        _closeName = Encoding.UTF8.GetBytes(header.QualifiedName);
        _phase = _pendingClose ? Phase.Closed : Phase.Stream;
        _depth = 0;
        return new StreamOpenEvent(header.Attributes, header.DefaultNamespace);
    }

    private StanzaEvent ReadStanza(ReadOnlySequence<byte> bytes)
    {
        var element = _builder.BuildStanza(Encoding.UTF8.GetString(bytes));
        return new StanzaEvent(element, checked((int)bytes.Length));
    }

    private static byte[] BuildPlain(string exclude)
    {
        var list = new List<byte> { 0x09, 0x0A, 0x0D };
        for (var c = 0x20; c < 0x80; c++)
            if (!exclude.Contains((char)c)) list.Add((byte)c);
        return [.. list];
    }
}
