using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Xmpp.Common.Xml;

/// <summary>
/// Turns the text of one complete element (already scanned by <see cref="XmppStreamParser"/>,
/// so free of DTDs, comments, PIs and non-predefined entities) into an XElement, resolving
/// namespaces against the bindings declared on the stream header. Also parses the header tag.
/// Reports violations as <see cref="XmppStreamException"/>.
/// </summary>
internal sealed class XmlTreeBuilder
{
    private const string XmlNs = "http://www.w3.org/XML/1998/namespace";
    private const string XmlnsNs = "http://www.w3.org/2000/xmlns/";

    internal readonly record struct Header(string QualifiedName, IReadOnlyDictionary<string, string> Attributes, string? DefaultNamespace);

    // In-scope namespace bindings, innermost last; the first _baseCount come from the stream header.
    private readonly List<(string Prefix, string Uri)> _scope = [];
    private int _baseCount;

    /// <summary>
    /// Working storage of one call (attributes of the tag being read, open elements, text and
    /// attribute value being decoded): empty between calls, and a call never awaits, so it runs on
    /// one thread from start to end. Kept per thread rather than per builder, so the thousands of
    /// idle streams that each own a builder hold none of it.
    /// </summary>
    private sealed class Scratch
    {
        public readonly List<(string Name, string Value)> Attrs = [];
        public readonly List<(XElement Element, string QName, int ScopeCount)> Stack = [];
        public StringBuilder Text = new();
        public StringBuilder Value = new();
    }

    [ThreadStatic] private static Scratch? t_scratch;
    private static Scratch Work => t_scratch ??= new Scratch();
    private static List<(string Name, string Value)> _attrs => Work.Attrs;
    private static List<(XElement Element, string QName, int ScopeCount)> _stack => Work.Stack;
    private static StringBuilder _text => Work.Text;
    private static StringBuilder _value => Work.Value;
    private static readonly System.Buffers.SearchValues<char> SpecialInValue = System.Buffers.SearchValues.Create("&<\t\r\n");
    private string _s = "";
    private int _i;

    public XmlTreeBuilder() => Reset();

    public void Reset()
    {
        _scope.Clear();
        _scope.Add(("xml", XmlNs));
        _baseCount = 1;
        _stack.Clear();
        _attrs.Clear();
        _s = "";
        _text.Clear();
    }

    private static XmppStreamException NotWellFormed(string text) => new(StreamErrors.NotWellFormed, text);

    /// <summary>Parses the stream header tag "&lt;stream:stream ...&gt;" (or "/&gt;").</summary>
    public Header ReadStreamHeader(string tag)
    {
        Reset();
        _s = tag;
        _i = 0;
        var qname = ParseStartTag(out _);
        if (_i != _s.Length) throw NotWellFormed("trailing data after the stream header");

        string? defaultNs = null;
        DeclareNamespaces(ref defaultNs);
        var (prefix, local) = Split(qname);
        var ns = Lookup(prefix) ?? throw new XmppStreamException(StreamErrors.BadNamespacePrefix, "undeclared stream prefix");
        if (ns != Ns.Stream) throw new XmppStreamException(StreamErrors.InvalidNamespace, "the stream namespace must be " + Ns.Stream);
        if (local != "stream") throw new XmppStreamException(StreamErrors.BadFormat, "the first element must be the stream header");
        if (prefix.Length == 0 || defaultNs == Ns.Stream)
            throw new XmppStreamException(StreamErrors.BadNamespacePrefix, "the stream namespace cannot be the content namespace");

        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var seen = new List<(string Ns, string Local)>();
        foreach (var (name, value) in _attrs)
        {
            if (IsNamespaceDeclaration(name)) continue;
            var (ap, al) = Split(name);
            var ans = ap.Length == 0 ? "" : Lookup(ap) ?? throw new XmppStreamException(StreamErrors.BadNamespacePrefix, "undeclared attribute prefix");
            if (seen.Contains((ans, al))) throw NotWellFormed("duplicate attribute");
            seen.Add((ans, al));
            if (ans.Length == 0 || ans == XmlNs) attributes[al] = value;
            else attributes.TryAdd(al, value);
        }
        // The header's bindings (minus xmlns="" undeclarations) stay in scope for every stanza.
        _baseCount = _scope.Count;
        _attrs.Clear();
        _s = "";
        return new Header(qname, attributes, string.IsNullOrEmpty(defaultNs) ? null : defaultNs);
    }

    /// <summary>Builds the element whose complete text is <paramref name="text"/>.</summary>
    public XElement BuildStanza(string text)
    {
        _s = text;
        _i = 0;
        _stack.Clear();
        _text.Clear();
        try
        {
            XElement? root = null;
            while (_i < _s.Length)
            {
                var c = _s[_i];
                if (c == '<')
                {
                    var next = _i + 1 < _s.Length ? _s[_i + 1] : '\0';
                    if (next == '/')
                    {
                        if (EndTag()) break;
                    }
                    else if (next == '!') Cdata();
                    else
                    {
                        var element = StartTag(out var empty);
                        if (root is null) root = element;
                        else if (_stack.Count == 0) throw NotWellFormed("more than one element");
                        if (empty && _stack.Count == 0) break;
                    }
                }
                else if (_stack.Count == 0) throw NotWellFormed("character data outside the element");
                else Text();
            }
            if (root is null || _stack.Count != 0 || _i != _s.Length) throw NotWellFormed("incomplete element");
            return root;
        }
        finally
        {
            _scope.RemoveRange(_baseCount, _scope.Count - _baseCount);
            _stack.Clear();
            _attrs.Clear();
            _s = "";
            // A huge stanza's buffers are not kept for the next one.
            if (_text.Capacity > 16 * 1024) Work.Text = new StringBuilder();
            else _text.Clear();
            if (_value.Capacity > 16 * 1024) Work.Value = new StringBuilder();
        }
    }

    private XElement StartTag(out bool empty)
    {
        FlushText();
        var qname = ParseStartTag(out empty);
        var scopeCount = _scope.Count;
        string? defaultNs = null;
        DeclareNamespaces(ref defaultNs);

        var (prefix, local) = Split(qname);
        var ns = Lookup(prefix) ?? throw new XmppStreamException(StreamErrors.BadNamespacePrefix, $"undeclared prefix '{prefix}'");
        var element = new XElement(XNamespace.Get(ns) + local);

        for (var a = 0; a < _attrs.Count; a++)
        {
            var (name, value) = _attrs[a];
            XName xname;
            if (name == "xmlns") xname = "xmlns";
            else if (name.StartsWith("xmlns:", StringComparison.Ordinal))
            {
                if (name == "xmlns:xml") continue; // binds xml to its own namespace: implicit
                xname = XNamespace.Xmlns + name[6..];
            }
            else
            {
                var (ap, al) = Split(name);
                var ans = ap.Length == 0 ? "" : Lookup(ap) ?? throw new XmppStreamException(StreamErrors.BadNamespacePrefix, $"undeclared prefix '{ap}'");
                xname = XNamespace.Get(ans) + al;
            }
            if (element.Attribute(xname) is not null) throw NotWellFormed("duplicate attribute");
            element.Add(new XAttribute(xname, value));
        }
        _attrs.Clear();

        if (_stack.Count > 0) _stack[^1].Element.Add(element);
        if (empty) _scope.RemoveRange(scopeCount, _scope.Count - scopeCount);
        else _stack.Add((element, qname, scopeCount));
        return element;
    }

    /// <summary>Reads an end tag; returns true when it closed the root.</summary>
    private bool EndTag()
    {
        FlushText();
        _i += 2;
        var name = ReadName();
        SkipSpace();
        Expect('>');
        if (_stack.Count == 0) throw NotWellFormed("end tag without a start tag");
        var (_, qname, scopeCount) = _stack[^1];
        if (name != qname) throw NotWellFormed($"end tag '{name}' does not match '{qname}'");
        _stack.RemoveAt(_stack.Count - 1);
        _scope.RemoveRange(scopeCount, _scope.Count - scopeCount);
        return _stack.Count == 0;
    }

    private void Cdata()
    {
        if (_stack.Count == 0 || string.CompareOrdinal(_s, _i, "<![CDATA[", 0, 9) != 0) throw NotWellFormed("invalid markup");
        var start = _i + 9;
        var end = _s.IndexOf("]]>", start, StringComparison.Ordinal);
        if (end < 0) throw NotWellFormed("unterminated CDATA section");
        AppendNormalized(_s.AsSpan(start, end - start), attribute: false);
        _i = end + 3;
    }

    private void Text()
    {
        var span = _s.AsSpan(_i);
        var stop = span.IndexOfAny('<', '&');
        if (stop < 0) stop = span.Length;
        var run = span[..stop];
        if (run.IndexOf("]]>", StringComparison.Ordinal) >= 0) throw NotWellFormed("']]>' in character data");
        AppendNormalized(run, attribute: false);
        _i += stop;
        if (_i < _s.Length && _s[_i] == '&')
        {
            // "]]&gt;" is fine, but "]]" + '>' can't straddle a reference, so no check needed here.
            AppendReference(_text);
        }
    }

    private void FlushText()
    {
        if (_text.Length == 0) return;
        if (_stack.Count > 0) _stack[^1].Element.Add(new XText(_text.ToString()));
        _text.Clear();
    }

    private void AppendNormalized(ReadOnlySpan<char> run, bool attribute) => AppendNormalized(_text, run, attribute);

    private static void AppendNormalized(StringBuilder sb, ReadOnlySpan<char> run, bool attribute)
    {
        // Line ends: "\r\n" and lone '\r' become '\n'; in attribute values \t \n \r become ' '.
        while (run.Length > 0)
        {
            var special = attribute ? run.IndexOfAny('\r', '\n', '\t') : run.IndexOf('\r');
            if (special < 0) { sb.Append(run); return; }
            sb.Append(run[..special]);
            var c = run[special];
            var skip = 1;
            if (c == '\r' && special + 1 < run.Length && run[special + 1] == '\n') skip = 2;
            sb.Append(attribute ? ' ' : '\n');
            run = run[(special + skip)..];
        }
    }

    /// <summary>At '&amp;': decodes a predefined entity or a character reference into <paramref name="sb"/>.</summary>
    private void AppendReference(StringBuilder sb)
    {
        var semi = _s.IndexOf(';', _i);
        if (semi < 0) throw NotWellFormed("unterminated reference");
        var name = _s.AsSpan(_i + 1, semi - _i - 1);
        _i = semi + 1;
        switch (name)
        {
            case "lt": sb.Append('<'); return;
            case "gt": sb.Append('>'); return;
            case "amp": sb.Append('&'); return;
            case "quot": sb.Append('"'); return;
            case "apos": sb.Append('\''); return;
        }
        if (name.Length < 2 || name[0] != '#') throw new XmppStreamException(StreamErrors.RestrictedXml, "entity reference");
        var hex = name[1] == 'x';
        var digits = name[(hex ? 2 : 1)..];
        if (digits.Length == 0) throw NotWellFormed("invalid character reference");
        long value = 0;
        foreach (var d in digits)
        {
            int v;
            if (d >= '0' && d <= '9') v = d - '0';
            else if (hex && (d | 0x20) >= 'a' && (d | 0x20) <= 'f') v = (d | 0x20) - 'a' + 10;
            else throw NotWellFormed("invalid character reference");
            value = value * (hex ? 16 : 10) + v;
            if (value > 0x10FFFF) throw NotWellFormed("character reference out of range");
        }
        var cp = (int)value;
        var legal = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                    (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
        if (!legal) throw NotWellFormed("character reference to an illegal character");
        if (cp < 0x10000) sb.Append((char)cp);
        else
        {
            cp -= 0x10000;
            sb.Append((char)(0xD800 + (cp >> 10)));
            sb.Append((char)(0xDC00 + (cp & 0x3FF)));
        }
    }

    /// <summary>Parses "&lt;name attr='v' ...&gt;" at _i into its name and _attrs (raw names, decoded values).</summary>
    private string ParseStartTag(out bool empty)
    {
        Expect('<');
        var name = ReadName();
        _attrs.Clear();
        while (true)
        {
            var spaced = SkipSpace();
            if (_i >= _s.Length) throw NotWellFormed("unterminated start tag");
            var c = _s[_i];
            if (c == '>') { _i++; empty = false; return name; }
            if (c == '/') { _i++; Expect('>'); empty = true; return name; }
            if (!spaced) throw NotWellFormed("attributes not separated by whitespace");
            var attr = ReadName();
            SkipSpace();
            Expect('=');
            SkipSpace();
            if (_i >= _s.Length) throw NotWellFormed("unterminated start tag");
            var quote = _s[_i];
            if (quote != '"' && quote != '\'') throw NotWellFormed("attribute value not quoted");
            _i++;
            var close = _s.IndexOf(quote, _i);
            if (close < 0) throw NotWellFormed("unterminated attribute value");
            var raw = _s.AsSpan(_i, close - _i);
            if (raw.IndexOfAny(SpecialInValue) < 0)
            {
                // Common case: nothing to decode or normalize.
                AddAttribute(attr, _s.Substring(_i, close - _i));
                _i = close + 1;
                continue;
            }
            var sb = _value.Clear();
            while (true)
            {
                if (_i >= _s.Length) throw NotWellFormed("unterminated attribute value");
                var span = _s.AsSpan(_i);
                var stop = span.IndexOfAny(quote, '&', '<');
                if (stop < 0) throw NotWellFormed("unterminated attribute value");
                AppendNormalized(sb, span[..stop], attribute: true);
                _i += stop;
                var s = _s[_i];
                if (s == quote) { _i++; break; }
                if (s == '<') throw NotWellFormed("'<' in an attribute value");
                AppendReference(sb);
            }
            AddAttribute(attr, sb.ToString());
        }
    }

    private void AddAttribute(string name, string value)
    {
        foreach (var (n, _) in _attrs)
            if (n == name) throw NotWellFormed("duplicate attribute");
        _attrs.Add((name, value));
    }

    /// <summary>Pushes the namespace declarations among _attrs onto the scope.</summary>
    private void DeclareNamespaces(ref string? defaultNs)
    {
        foreach (var (name, value) in _attrs)
        {
            if (name == "xmlns")
            {
                if (value == XmlNs || value == XmlnsNs) throw NotWellFormed("reserved namespace as default");
                var uri = Shared(value);
                _scope.Add(("", uri));
                defaultNs = uri;
            }
            else if (name.StartsWith("xmlns:", StringComparison.Ordinal))
            {
                var prefix = name[6..];
                if (prefix.Length == 0 || prefix.Contains(':')) throw NotWellFormed("invalid namespace prefix");
                if (prefix == "xmlns") throw NotWellFormed("the xmlns prefix cannot be declared");
                if (prefix == "xml")
                {
                    if (value != XmlNs) throw NotWellFormed("the xml prefix cannot be rebound");
                    continue;
                }
                if (value.Length == 0) throw NotWellFormed("a prefix cannot be undeclared");
                if (value == XmlNs || value == XmlnsNs) throw NotWellFormed("reserved namespace bound to a prefix");
                _scope.Add((Shared(prefix), Shared(value)));
            }
        }
    }

    /// <summary>
    /// The stream header's bindings live as long as the stream: the usual prefix and namespaces are
    /// kept as one shared string each, not as a copy per connection.
    /// </summary>
    private static string Shared(string s) => s switch
    {
        "stream" => "stream",
        Common.Ns.Client => Common.Ns.Client,
        Common.Ns.Stream => Common.Ns.Stream,
        _ => s,
    };

    private static bool IsNamespaceDeclaration(string name) =>
        name == "xmlns" || name.StartsWith("xmlns:", StringComparison.Ordinal);

    private string? Lookup(string prefix)
    {
        for (var k = _scope.Count - 1; k >= 0; k--)
            if (_scope[k].Prefix == prefix) return _scope[k].Uri;
        return prefix.Length == 0 ? "" : null;
    }

    private static (string Prefix, string Local) Split(string qname)
    {
        var colon = qname.IndexOf(':');
        if (colon < 0) return ("", qname);
        if (colon == 0 || colon == qname.Length - 1 || qname.IndexOf(':', colon + 1) >= 0)
            throw NotWellFormed("invalid qualified name");
        return (qname[..colon], qname[(colon + 1)..]);
    }

    private string ReadName()
    {
        var start = _i;
        while (_i < _s.Length)
        {
            var c = _s[_i];
            if (c is ' ' or '\t' or '\r' or '\n' or '>' or '/' or '=' or '<' or '"' or '\'' or '&' or ';') break;
            _i++;
        }
        if (_i == start) throw NotWellFormed("missing name");
        var name = _s[start.._i];
        if (!IsSimpleName(name))
        {
            foreach (var part in name.Split(':'))
            {
                if (part.Length == 0) throw NotWellFormed("invalid name");
                try { XmlConvert.VerifyNCName(part); }
                catch (XmlException) { throw NotWellFormed("invalid name"); }
            }
        }
        return name;
    }

    /// <summary>ASCII fast path: letter or '_' first, then letters, digits, '-', '.', '_', ':'.</summary>
    private static bool IsSimpleName(string name)
    {
        var first = name[0];
        if (!(char.IsAsciiLetter(first) || first == '_')) return false;
        var afterColon = false;
        foreach (var c in name)
        {
            if (afterColon && !(char.IsAsciiLetter(c) || c == '_')) return false;
            afterColon = c == ':';
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or ':')) return false;
        }
        return !afterColon;
    }

    private bool SkipSpace()
    {
        var start = _i;
        while (_i < _s.Length && _s[_i] is ' ' or '\t' or '\r' or '\n') _i++;
        return _i > start;
    }

    private void Expect(char c)
    {
        if (_i >= _s.Length || _s[_i] != c) throw NotWellFormed($"expected '{c}'");
        _i++;
    }

    /// <summary>Parses the pseudo-attributes of an XML declaration (name="value" pairs); null if malformed.</summary>
    internal static Dictionary<string, string>? ParsePseudoAttributes(string body)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        while (true)
        {
            while (i < body.Length && char.IsWhiteSpace(body[i])) i++;
            if (i >= body.Length) return result;
            var start = i;
            while (i < body.Length && char.IsAsciiLetter(body[i])) i++;
            if (i == start) return null;
            var name = body[start..i];
            while (i < body.Length && char.IsWhiteSpace(body[i])) i++;
            if (i >= body.Length || body[i] != '=') return null;
            i++;
            while (i < body.Length && char.IsWhiteSpace(body[i])) i++;
            if (i >= body.Length || (body[i] != '"' && body[i] != '\'')) return null;
            var quote = body[i++];
            var end = body.IndexOf(quote, i);
            if (end < 0) return null;
            if (!result.TryAdd(name, body[i..end])) return null;
            i = end + 1;
            if (i < body.Length && !char.IsWhiteSpace(body[i])) return null;
        }
    }
}
