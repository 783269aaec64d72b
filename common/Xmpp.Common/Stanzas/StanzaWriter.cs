using System.Buffers;
using System.Text;
using System.Xml.Linq;

namespace Xmpp.Common.Stanzas;

/// <summary>
/// Writes a stanza tree as UTF-8 XML straight into a buffer: every element carries the namespace
/// declarations it needs (a stanza stands alone, outside the stream that declared its default
/// namespace), text and attribute values are escaped, comments and processing instructions
/// (which XMPP forbids) are left out. It replaces XElement.ToString on the hot path, which
/// builds an XmlWriter, with its buffers, for every stanza.
/// </summary>
public static class StanzaWriter
{
    private const string XmlNs = "http://www.w3.org/XML/1998/namespace";
    private static readonly SearchValues<char> TextSpecials = SearchValues.Create("&<>\r");
    private static readonly SearchValues<char> AttributeSpecials = SearchValues.Create("&<>\"\r\n\t");

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static List<(string Prefix, string Ns)>? t_scope;

    /// <summary>The stanza's bytes in a new array of exactly their length.</summary>
    public static byte[] ToBytes(XElement stanza)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        Write(stanza, buffer);
        var bytes = buffer.WrittenSpan.ToArray();
        if (buffer.Capacity > 64 * 1024) t_buffer = null; // don't keep a huge stanza's buffer per thread
        return bytes;
    }

    public static void Write(XElement stanza, IBufferWriter<byte> output)
    {
        var scope = t_scope ??= [];
        scope.Clear();
        scope.Add(("xml", XmlNs));
        scope.Add(("", ""));
        WriteElement(stanza, output, scope);
    }

    private static void WriteElement(XElement element, IBufferWriter<byte> output, List<(string Prefix, string Ns)> scope)
    {
        var scopeStart = scope.Count;
        // The element's own declarations come first: they are in scope for its name and attributes.
        for (var a = element.FirstAttribute; a is not null; a = a.NextAttribute)
            if (a.IsNamespaceDeclaration)
                scope.Add((a.Name.Namespace == XNamespace.None ? "" : a.Name.LocalName, a.Value));

        var ns = element.Name.NamespaceName;
        var prefix = PrefixFor(ns, scope, forAttribute: false);
        string? declareDefault = null;
        if (prefix is null)
        {
            // Not reachable as written: make it the default namespace here.
            declareDefault = ns;
            scope.Add(("", ns));
            prefix = "";
        }

        Ascii(output, "<");
        Name(output, prefix, element.Name.LocalName);
        if (declareDefault is not null)
        {
            Ascii(output, " xmlns=\"");
            Escaped(output, declareDefault, AttributeSpecials);
            Ascii(output, "\"");
        }
        for (var a = element.FirstAttribute; a is not null; a = a.NextAttribute)
        {
            string attributePrefix;
            if (a.IsNamespaceDeclaration && declareDefault is not null && a.Name.Namespace == XNamespace.None)
                continue; // replaced by the default declaration this element needs
            if (a.IsNamespaceDeclaration)
                attributePrefix = a.Name.Namespace == XNamespace.None ? "" : "xmlns";
            else if (a.Name.Namespace == XNamespace.None)
                attributePrefix = "";
            else if (PrefixFor(a.Name.NamespaceName, scope, forAttribute: true) is { } bound)
                attributePrefix = bound;
            else
            {
                attributePrefix = "a" + scope.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
                scope.Add((attributePrefix, a.Name.NamespaceName));
                Ascii(output, " xmlns:");
                Utf8(output, attributePrefix);
                Ascii(output, "=\"");
                Escaped(output, a.Name.NamespaceName, AttributeSpecials);
                Ascii(output, "\"");
            }
            Ascii(output, " ");
            Name(output, attributePrefix, a.Name.LocalName);
            Ascii(output, "=\"");
            Escaped(output, a.Value, AttributeSpecials);
            Ascii(output, "\"");
        }

        if (element.IsEmpty || element.FirstNode is null)
        {
            Ascii(output, "/>");
        }
        else
        {
            Ascii(output, ">");
            for (var node = element.FirstNode; node is not null; node = node.NextNode)
            {
                switch (node)
                {
                    case XElement child: WriteElement(child, output, scope); break;
                    case XText text: Escaped(output, text.Value, TextSpecials); break; // XCData too
                }
            }
            Ascii(output, "</");
            Name(output, prefix, element.Name.LocalName);
            Ascii(output, ">");
        }
        scope.RemoveRange(scopeStart, scope.Count - scopeStart);
    }

    /// <summary>
    /// The prefix that names <paramref name="ns"/> here, innermost binding first, unless a later
    /// binding of the same prefix hides it; null when none does. Attributes never use the default namespace.
    /// </summary>
    private static string? PrefixFor(string ns, List<(string Prefix, string Ns)> scope, bool forAttribute)
    {
        for (var i = scope.Count - 1; i >= 0; i--)
        {
            var (prefix, bound) = scope[i];
            if (bound != ns || (forAttribute && prefix.Length == 0)) continue;
            if (!HiddenLater(scope, i, prefix)) return prefix;
        }
        return null;
    }

    private static bool HiddenLater(List<(string Prefix, string Ns)> scope, int index, string prefix)
    {
        for (var j = index + 1; j < scope.Count; j++)
            if (scope[j].Prefix == prefix) return true;
        return false;
    }

    private static void Name(IBufferWriter<byte> output, string prefix, string local)
    {
        if (prefix.Length > 0)
        {
            Utf8(output, prefix);
            Ascii(output, ":");
        }
        Utf8(output, local);
    }

    private static void Escaped(IBufferWriter<byte> output, string value, SearchValues<char> specials)
    {
        var rest = value.AsSpan();
        while (true)
        {
            var i = rest.IndexOfAny(specials);
            if (i < 0)
            {
                Utf8(output, rest);
                return;
            }
            Utf8(output, rest[..i]);
            Ascii(output, rest[i] switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\r' => "&#xD;",
                '\n' => "&#xA;",
                _ => "&#x9;",
            });
            rest = rest[(i + 1)..];
        }
    }

    private static void Utf8(IBufferWriter<byte> output, ReadOnlySpan<char> text)
    {
        if (text.IsEmpty) return;
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        output.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    private static void Ascii(IBufferWriter<byte> output, string ascii)
    {
        var span = output.GetSpan(ascii.Length);
        for (var i = 0; i < ascii.Length; i++) span[i] = (byte)ascii[i];
        output.Advance(ascii.Length);
    }
}
