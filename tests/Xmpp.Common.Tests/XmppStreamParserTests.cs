using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Xml.Linq;
using Xmpp.Common.Xml;

namespace Xmpp.Common.Tests;

public class XmppStreamParserTests
{
    private const string Header =
        "<stream:stream to='example.com' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";

    private static readonly XNamespace Client = "jabber:client";
    private static readonly XNamespace Streams = "http://etherx.jabber.org/streams";

    private const string MessageStanza =
        "<message to='juliet@example.com' type='chat' id='m1'><body>Hello &amp; &lt;world&gt; &#x263A; caf&#233; \u00e9\u263a\U0001F600 &quot;&apos;</body></message>";

    private const string FullClientStream =
        "<?xml version='1.0' encoding='UTF-8'?>\n" +
        "<stream:stream to='example.com' from='juliet@example.com' xmlns='jabber:client' " +
        "xmlns:stream='http://etherx.jabber.org/streams' version='1.0' xml:lang='en' id='abc123'>\n" +
        "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" +
        MessageStanza +
        "\n  \n" +
        "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'><item jid='romeo@example.net' name='Romeo'/></query></iq>" +
        " " +
        "<presence/>" +
        "<message id='m2'><body><![CDATA[a <b> & c]]]]></body><x xmlns='urn:example' a=\"1 &gt; 0\"/></message>" +
        "\r\n" +
        "</stream:stream>";

    private static XmppStreamException Throws(string text, XmppParserOptions? options = null, int chunk = int.MaxValue) =>
        Assert.Throws<XmppStreamException>(() => StreamFeeder.ReadAll(text, options, chunk));

    private static string Describe(XmppStreamEvent ev) => ev switch
    {
        StreamOpenEvent o => "open " + string.Join(",", o.Attributes.OrderBy(a => a.Key).Select(a => $"{a.Key}={a.Value}")) + " ns=" + o.DefaultNamespace,
        StanzaEvent s => $"stanza {s.Size} {s.Element.ToString(SaveOptions.DisableFormatting)}",
        StreamCloseEvent => "close",
        _ => ev.ToString()!,
    };

    [Fact]
    public void FullStream_FedWhole_YieldsHeaderStanzasAndClose()
    {
        var events = StreamFeeder.ReadAll(FullClientStream);

        Assert.Equal(7, events.Count);
        var open = Assert.IsType<StreamOpenEvent>(events[0]);
        Assert.Equal("example.com", open.Get("to"));
        Assert.Equal("juliet@example.com", open.Get("from"));
        Assert.Equal("1.0", open.Get("version"));
        Assert.Equal("en", open.Get("lang"));
        Assert.Equal("abc123", open.Get("id"));
        Assert.Null(open.Get("xmlns"));
        Assert.Equal(5, open.Attributes.Count);
        Assert.Equal("jabber:client", open.DefaultNamespace);

        var starttls = Assert.IsType<StanzaEvent>(events[1]).Element;
        Assert.Equal(XName.Get("starttls", "urn:ietf:params:xml:ns:xmpp-tls"), starttls.Name);

        var message = Assert.IsType<StanzaEvent>(events[2]);
        Assert.Equal(Client + "message", message.Element.Name);
        Assert.Equal("juliet@example.com", (string?)message.Element.Attribute("to"));
        Assert.Equal("chat", (string?)message.Element.Attribute("type"));
        Assert.Equal("Hello & <world> \u263a caf\u00e9 \u00e9\u263a\U0001F600 \"'", message.Element.Element(Client + "body")!.Value);
        Assert.Equal(Encoding.UTF8.GetByteCount(MessageStanza), message.Size);

        var iq = Assert.IsType<StanzaEvent>(events[3]).Element;
        Assert.Equal(Client + "iq", iq.Name);
        XNamespace roster = "jabber:iq:roster";
        var item = iq.Element(roster + "query")!.Element(roster + "item")!;
        Assert.Equal("romeo@example.net", (string?)item.Attribute("jid"));

        Assert.Equal(Client + "presence", Assert.IsType<StanzaEvent>(events[4]).Element.Name);

        var m2 = Assert.IsType<StanzaEvent>(events[5]).Element;
        Assert.Equal("a <b> & c]]", m2.Element(Client + "body")!.Value);
        Assert.Equal("1 > 0", (string?)m2.Element(XName.Get("x", "urn:example"))!.Attribute("a"));

        Assert.IsType<StreamCloseEvent>(events[6]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(64)]
    public void FullStream_FedInChunks_GivesSameEventsAsWhole(int chunk)
    {
        var whole = StreamFeeder.ReadAll(FullClientStream).Select(Describe).ToList();
        var chunked = StreamFeeder.ReadAll(FullClientStream, chunk: chunk).Select(Describe).ToList();
        Assert.Equal(7, whole.Count);
        Assert.Equal(whole, chunked);
    }

    [Fact]
    public void FullStream_FedInRandomChunks_GivesSameEvents()
    {
        var bytes = Encoding.UTF8.GetBytes(FullClientStream);
        var expected = StreamFeeder.ReadAll(FullClientStream).Select(Describe).ToList();
        for (var seed = 0; seed < 20; seed++)
        {
            var rng = new Random(seed);
            var feeder = new StreamFeeder(new XmppStreamParser(new XmppParserOptions()), blockSize: rng.Next(1, 100));
            var i = 0;
            while (i < bytes.Length)
            {
                var n = Math.Min(rng.Next(1, 20), bytes.Length - i);
                feeder.Feed(bytes.AsSpan(i, n));
                i += n;
            }
            Assert.Equal(expected, feeder.Events.Select(Describe).ToList());
            Assert.Equal(0, feeder.Pending);
        }
    }

    [Fact]
    public void SingleSegmentBuffer_IsSlicedPastEachEvent()
    {
        var parser = new XmppStreamParser(new XmppParserOptions());
        var bytes = Encoding.UTF8.GetBytes(Header + "<presence/><message/>");
        var buffer = new ReadOnlySequence<byte>(bytes);

        Assert.True(parser.TryRead(ref buffer, out var ev));
        Assert.IsType<StreamOpenEvent>(ev);
        Assert.Equal(bytes.Length - Encoding.UTF8.GetByteCount(Header), buffer.Length);

        Assert.True(parser.TryRead(ref buffer, out ev));
        Assert.Equal(Client + "presence", Assert.IsType<StanzaEvent>(ev).Element.Name);
        Assert.Equal(10, buffer.Length);

        Assert.True(parser.TryRead(ref buffer, out ev));
        Assert.Equal(Client + "message", Assert.IsType<StanzaEvent>(ev).Element.Name);
        Assert.Equal(0, buffer.Length);

        Assert.False(parser.TryRead(ref buffer, out ev));
        Assert.Null(ev);
    }

    [Fact]
    public void PartialStanza_IsKeptFromItsStart_AndCompletesLater()
    {
        var feeder = new StreamFeeder(new XmppStreamParser(new XmppParserOptions()));
        Assert.Single(feeder.Feed(Header));
        Assert.Empty(feeder.Feed("  <message id='x'><bo"));
        Assert.Equal("<message id='x'><bo".Length, feeder.Pending); // leading whitespace dropped, stanza kept
        Assert.Empty(feeder.Feed("dy>hi</body></mess"));
        var ev = Assert.Single(feeder.Feed("age>"));
        Assert.Equal("hi", Assert.IsType<StanzaEvent>(ev).Element.Value);
        Assert.Equal(0, feeder.Pending);
    }

    [Fact]
    public void WhitespaceKeepalives_AreConsumedAndYieldNothing()
    {
        var feeder = new StreamFeeder(new XmppStreamParser(new XmppParserOptions()));
        Assert.Single(feeder.Feed(Header));
        for (var i = 0; i < 5; i++)
        {
            Assert.Empty(feeder.Feed(" "));
            Assert.Empty(feeder.Feed("\n"));
            Assert.Equal(0, feeder.Pending); // idle parser: nothing held
        }
        var ev = Assert.Single(feeder.Feed("\t\r\n<presence/>  "));
        Assert.Equal(Client + "presence", Assert.IsType<StanzaEvent>(ev).Element.Name);
        Assert.Equal(0, feeder.Pending);
    }

    [Fact]
    public void Namespaces_DefaultInheritance_StreamPrefix_HeaderPrefixes_LocalDeclarations()
    {
        var events = StreamFeeder.ReadAll(
            "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback'>" +
            "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>" +
            "<db:result from='a' to='b'>key</db:result>" +
            "<iq id='1'><query xmlns='jabber:iq:roster'><item jid='a@b'><group>g</group></item></query></iq>" +
            "<message><p:x xmlns:p='urn:p' p:attr='v' plain='w'><p:y/><z/></p:x><u xmlns=''/></message>" +
            "<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");

        Assert.Equal(6, events.Count);
        var features = ((StanzaEvent)events[1]).Element;
        Assert.Equal(Streams + "features", features.Name);
        Assert.Equal(XName.Get("bind", "urn:ietf:params:xml:ns:xmpp-bind"), features.Elements().Single().Name);

        var db = ((StanzaEvent)events[2]).Element;
        Assert.Equal(XName.Get("result", "jabber:server:dialback"), db.Name);
        Assert.Equal("key", db.Value);

        XNamespace roster = "jabber:iq:roster";
        var iq = ((StanzaEvent)events[3]).Element;
        Assert.Equal("g", iq.Element(roster + "query")!.Element(roster + "item")!.Element(roster + "group")!.Value);

        XNamespace p = "urn:p";
        var msg = ((StanzaEvent)events[4]).Element;
        var x = msg.Element(p + "x")!;
        Assert.Equal("v", (string?)x.Attribute(p + "attr"));
        Assert.Equal("w", (string?)x.Attribute("plain"));
        Assert.NotNull(x.Element(p + "y"));
        Assert.NotNull(x.Element(Client + "z")); // unprefixed child still in the inherited default namespace
        Assert.NotNull(msg.Element(XName.Get("u", ""))); // xmlns='' undeclares it

        Assert.Equal(Streams + "error", ((StanzaEvent)events[5]).Element.Name);
    }

    [Fact]
    public void Stanza_SerializesBackWithItsNamespace()
    {
        var events = StreamFeeder.ReadAll(Header + "<message to='a@b'><body>x</body></message>");
        var text = ((StanzaEvent)events[1]).Element.ToString(SaveOptions.DisableFormatting);
        Assert.Equal("<message to=\"a@b\" xmlns=\"jabber:client\"><body>x</body></message>", text);
    }

    [Fact]
    public void AttributeValues_AreNormalizedAndDecoded()
    {
        var events = StreamFeeder.ReadAll(Header + "<message id='a\tb\r\nc&#10;d&#x41;&lt;'><body>l1\r\nl2\rl3</body></message>");
        var msg = ((StanzaEvent)events[1]).Element;
        Assert.Equal("a b c\ndA<", (string?)msg.Attribute("id"));
        Assert.Equal("l1\nl2\nl3", msg.Element(Client + "body")!.Value);
    }

    [Fact]
    public void XmlDeclaration_IsOptional()
    {
        var events = StreamFeeder.ReadAll(Header + "<presence/>");
        Assert.IsType<StreamOpenEvent>(events[0]);
        Assert.Equal(2, events.Count);

        events = StreamFeeder.ReadAll("<?xml version=\"1.0\" encoding=\"utf-8\" standalone='yes'?>" + Header);
        Assert.IsType<StreamOpenEvent>(Assert.Single(events));

        events = StreamFeeder.ReadAll("\uFEFF<?xml version='1.0'?>" + Header); // byte order mark
        Assert.IsType<StreamOpenEvent>(Assert.Single(events));
    }

    [Fact]
    public void XmlDeclaration_WithOtherEncoding_IsUnsupportedEncoding()
    {
        Assert.Equal(StreamErrors.UnsupportedEncoding, Throws("<?xml version='1.0' encoding='ISO-8859-1'?>" + Header).Condition);
        Assert.Equal(StreamErrors.UnsupportedEncoding, Throws("<?xml version='1.0' encoding='UTF-16'?>" + Header, chunk: 1).Condition);
    }

    [Fact]
    public void EmptyStreamElement_GivesOpenThenClose()
    {
        var events = StreamFeeder.ReadAll("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'/>");
        Assert.Equal(2, events.Count);
        Assert.IsType<StreamOpenEvent>(events[0]);
        Assert.IsType<StreamCloseEvent>(events[1]);
    }

    [Fact]
    public void StreamClose_WithWhitespaceInTag_AndOtherPrefix()
    {
        var events = StreamFeeder.ReadAll(
            "<s:stream xmlns='jabber:client' xmlns:s='http://etherx.jabber.org/streams'><presence/></s:stream  >");
        Assert.Equal(3, events.Count);
        Assert.IsType<StreamCloseEvent>(events[2]);
    }

    [Fact]
    public void DataAfterStreamClose_IsNotWellFormed()
    {
        Assert.Equal(StreamErrors.NotWellFormed, Throws(Header + "</stream:stream><presence/>").Condition);
        Assert.Equal(3, StreamFeeder.ReadAll(Header + "<presence/></stream:stream>\n ").Count);
    }

    [Theory]
    [InlineData("<?xml version='1.0'?><!DOCTYPE stream:stream>" + Header)]
    [InlineData("<!DOCTYPE foo [<!ENTITY x 'y'>]>" + Header)]
    [InlineData(Header + "<!DOCTYPE foo>")]
    [InlineData(Header + "<!ENTITY x 'boom'>")]
    [InlineData(Header + "<message><!ENTITY x 'boom'></message>")]
    [InlineData("<!-- hello -->" + Header)]
    [InlineData(Header + "<!-- keepalive -->")]
    [InlineData(Header + "<message><body>hi<!-- c --></body></message>")]
    [InlineData("<?foo bar?>" + Header)]
    [InlineData(Header + "<?foo bar?>")]
    [InlineData(Header + "<message><?foo bar?></message>")]
    [InlineData(Header + "<?xml version='1.0'?>")]
    [InlineData("<?xml version='1.0'?><?xml version='1.0'?>" + Header)]
    [InlineData(Header + "<message><body>&xxe;</body></message>")]
    [InlineData(Header + "<message><body>&nbsp;</body></message>")]
    [InlineData(Header + "<message id='&foo;'/>")]
    [InlineData("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='&ent;'>")]
    public void RestrictedXml_IsRefused(string text)
    {
        Assert.Equal(StreamErrors.RestrictedXml, Throws(text).Condition);
        Assert.Equal(StreamErrors.RestrictedXml, Throws(text, chunk: 1).Condition);
    }

    [Fact]
    public void EntityReference_IsNeverExpanded_EvenWhenFedPiecewise()
    {
        // The "billion laughs" shape: the declaration is refused before any expansion could happen.
        var text = "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;'>]>" + Header;
        Assert.Equal(StreamErrors.RestrictedXml, Throws(text, chunk: 3).Condition);
    }

    [Fact]
    public void Cdata_IsAllowedInsideStanzas()
    {
        var events = StreamFeeder.ReadAll(Header + "<message><body><![CDATA[<not> &markup; ]]></body></message>", chunk: 1);
        Assert.Equal("<not> &markup; ", ((StanzaEvent)events[1]).Element.Value);
    }

    [Theory]
    [InlineData(Header + "<message><body>x</message>")]
    [InlineData(Header + "<message></presence>")]
    [InlineData(Header + "<a><b></a></b>")]
    [InlineData(Header + "<message to=juliet/>")]
    [InlineData(Header + "<message to='a'from='b'/>")]
    [InlineData(Header + "<message to/>")]
    [InlineData(Header + "<message to='a/></message>")]
    [InlineData(Header + "<message id='1' id='2'/>")]
    [InlineData(Header + "<message xmlns:p='urn:a' xmlns:q='urn:a' p:x='1' q:x='2'/>")]
    [InlineData(Header + "<message id='a<b'/>")]
    [InlineData(Header + "<message>a & b</message>")]
    [InlineData(Header + "<message>&#0;</message>")]
    [InlineData(Header + "<message>&#xD800;</message>")]
    [InlineData(Header + "<message>&#x110000;</message>")]
    [InlineData(Header + "<message>&#xZZ;</message>")]
    [InlineData(Header + "<message>]]></message>")]
    [InlineData(Header + "<message>\0</message>")]
    [InlineData(Header + "<message>\u0001</message>")]
    [InlineData(Header + "<message>\uFFFF</message>")]
    [InlineData(Header + "< message/>")]
    [InlineData(Header + "<1message/>")]
    [InlineData(Header + "<a:b:c xmlns:a='urn:a'/>")]
    [InlineData(Header + "<message xmlns:p=''/>")]
    [InlineData(Header + "<message/ >")]
    [InlineData(Header + "<message><![CDATX[x]]></message>")]
    [InlineData(Header + "</message>")]
    [InlineData(Header + "</stream:streamx>")]
    [InlineData("hello" + Header)]
    [InlineData("</stream:stream>")]
    [InlineData("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='1' id='2'>")]
    [InlineData("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='1'version='1.0'>")]
    public void MalformedXml_IsNotWellFormed(string text)
    {
        Assert.Equal(StreamErrors.NotWellFormed, Throws(text).Condition);
        Assert.Equal(StreamErrors.NotWellFormed, Throws(text, chunk: 1).Condition);
    }

    [Theory]
    [InlineData(new byte[] { 0xC3, 0x28 })]             // bad continuation
    [InlineData(new byte[] { 0xC0, 0x80 })]             // overlong NUL
    [InlineData(new byte[] { 0xE0, 0x80, 0x80 })]       // overlong
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]       // encoded surrogate
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })] // beyond U+10FFFF
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0x80 })]                   // stray continuation
    [InlineData(new byte[] { 0xEF, 0xBF, 0xBE })]       // U+FFFE
    public void InvalidUtf8_IsNotWellFormed(byte[] bad)
    {
        foreach (var chunk in new[] { 1, 1000 })
        {
            var bytes = Encoding.UTF8.GetBytes(Header + "<message><body>a").Concat(bad).Concat("b</body></message>"u8.ToArray()).ToArray();
            var feeder = new StreamFeeder(new XmppStreamParser(new XmppParserOptions()));
            var ex = Assert.Throws<XmppStreamException>(() => feeder.FeedInChunks(bytes, chunk));
            Assert.Equal(StreamErrors.NotWellFormed, ex.Condition);
        }
    }

    [Fact]
    public void Utf8SplitAcrossChunks_IsDecodedCorrectly()
    {
        var parser = new XmppStreamParser(new XmppParserOptions());
        var feeder = new StreamFeeder(parser, blockSize: 5);
        Assert.Single(feeder.Feed(Header));
        var stanza = Encoding.UTF8.GetBytes("<message><body>\u00e9\u263a\U0001F600</body></message>");
        var split = stanza.Length - "</body></message>".Length - 2; // inside the 4-byte emoji
        Assert.Empty(feeder.Feed(stanza.AsSpan(0, split)));
        Assert.Empty(feeder.Feed(stanza.AsSpan(split, 1)));
        var ev = Assert.Single(feeder.Feed(stanza.AsSpan(split + 1)));
        Assert.Equal("\u00e9\u263a\U0001F600", ((StanzaEvent)ev).Element.Value);
        Assert.Equal(stanza.Length, ((StanzaEvent)ev).Size);

        // Every possible split point of a two-chunk delivery.
        for (var cut = 1; cut < stanza.Length; cut++)
        {
            var f = new StreamFeeder(new XmppStreamParser(new XmppParserOptions()), blockSize: 3);
            f.Feed(Header);
            Assert.Empty(f.Feed(stanza.AsSpan(0, cut)));
            var e = Assert.Single(f.Feed(stanza.AsSpan(cut)));
            Assert.Equal("\u00e9\u263a\U0001F600", ((StanzaEvent)e).Element.Value);
        }
    }

    [Fact]
    public void NonAsciiNames_AreAccepted()
    {
        var events = StreamFeeder.ReadAll(Header + "<message><caf\u00e9 xmlns='urn:x' \u00e9t\u00e9='1'/></message>", chunk: 1);
        var child = ((StanzaEvent)events[1]).Element.Elements().Single();
        Assert.Equal(XName.Get("caf\u00e9", "urn:x"), child.Name);
        Assert.Equal("1", (string?)child.Attribute("\u00e9t\u00e9"));
    }

    [Theory]
    [InlineData("<stream:stream xmlns='jabber:client' xmlns:stream='http://wrong.example.org/'>", StreamErrors.InvalidNamespace)]
    [InlineData("<message xmlns='jabber:client'>", StreamErrors.InvalidNamespace)]
    [InlineData("<stream>", StreamErrors.InvalidNamespace)]
    [InlineData("<stream:stream xmlns='jabber:client' xmlns:foobar='http://etherx.jabber.org/streams'>", StreamErrors.BadNamespacePrefix)]
    [InlineData("<stream xmlns='http://etherx.jabber.org/streams'>", StreamErrors.BadNamespacePrefix)]
    [InlineData("<stream:features xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>", StreamErrors.BadFormat)]
    [InlineData("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' x:lang='en'>", StreamErrors.BadNamespacePrefix)]
    public void BadStreamHeader_GivesTheRfc6120Condition(string header, string condition)
    {
        Assert.Equal(condition, Throws(header).Condition);
        Assert.Equal(condition, Throws(header, chunk: 1).Condition);
    }

    [Fact]
    public void UndeclaredPrefixInStanza_IsBadNamespacePrefix()
    {
        Assert.Equal(StreamErrors.BadNamespacePrefix, Throws(Header + "<message><foo:bar/></message>").Condition);
        Assert.Equal(StreamErrors.BadNamespacePrefix, Throws(Header + "<message foo:id='1'/>").Condition);
    }

    [Fact]
    public void TextAtStreamLevel_IsBadFormat()
    {
        Assert.Equal(StreamErrors.BadFormat, Throws(Header + "hello").Condition);
        Assert.Equal(StreamErrors.BadFormat, Throws(Header + "<![CDATA[x]]>").Condition);
    }

    [Fact]
    public void OversizedStanza_IsRefused_BeforeItIsFedWhole()
    {
        var options = new XmppParserOptions { MaxStanzaBytes = 1000 };
        var feeder = new StreamFeeder(new XmppStreamParser(options));
        Assert.Single(feeder.Feed(Header));
        var body = new string('a', 100);
        var ex = Assert.Throws<XmppStreamException>(() =>
        {
            feeder.Feed("<message><body>");
            for (var i = 0; i < 1000; i++) feeder.Feed(body); // would be 100 KB if never stopped
        });
        Assert.Equal(StreamErrors.PolicyViolation, ex.Condition);
        Assert.True(feeder.Fed - Encoding.UTF8.GetByteCount(Header) <= 1000 + body.Length,
            $"thrown only after {feeder.Fed} bytes");
    }

    [Fact]
    public void StanzaSizeLimit_IsExact()
    {
        var options = new XmppParserOptions { MaxStanzaBytes = 100 };
        string Stanza(int size) => "<message>" + new string('x', size - "<message></message>".Length) + "</message>";
        Assert.Equal(100, Encoding.UTF8.GetByteCount(Stanza(100)));

        var events = StreamFeeder.ReadAll(Header + Stanza(100), options);
        Assert.Equal(100, ((StanzaEvent)events[1]).Size);
        Assert.Equal(StreamErrors.PolicyViolation, Throws(Header + Stanza(101), options).Condition);
        Assert.Equal(StreamErrors.PolicyViolation, Throws(Header + Stanza(101), options, chunk: 1).Condition);
        // The same bytes split between stanzas are fine: the limit is per stanza.
        Assert.Equal(4, StreamFeeder.ReadAll(Header + Stanza(100) + Stanza(100) + Stanza(100), options, chunk: 7).Count);
    }

    [Fact]
    public void OversizedStreamHeader_IsPolicyViolation()
    {
        var huge = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='" + new string('a', 9000);
        var feeder = new StreamFeeder(new XmppStreamParser(new XmppParserOptions()));
        var ex = Assert.Throws<XmppStreamException>(() => feeder.FeedInChunks(Encoding.UTF8.GetBytes(huge), 100));
        Assert.Equal(StreamErrors.PolicyViolation, ex.Condition);
        Assert.True(feeder.Fed <= XmppStreamParser.MaxHeaderBytes + 100);
    }

    [Fact]
    public void DepthLimit_IsEnforced()
    {
        var options = new XmppParserOptions { MaxDepth = 3 };
        var ok = StreamFeeder.ReadAll(Header + "<a><b><c/></b><b2><c2>t</c2></b2></a>", options);
        Assert.Equal(2, ok.Count);
        Assert.Equal(StreamErrors.PolicyViolation, Throws(Header + "<a><b><c><d/></c></b></a>", options).Condition);
        Assert.Equal(StreamErrors.PolicyViolation, Throws(Header + "<a><b><c><d>", options, chunk: 1).Condition);
    }

    [Fact]
    public void AttributeLimit_IsEnforced()
    {
        var options = new XmppParserOptions { MaxAttributes = 2 };
        Assert.Equal(2, StreamFeeder.ReadAll(Header + "<message a='1' b='2'><x c='1' d='2'/></message>", options).Count);
        Assert.Equal(StreamErrors.PolicyViolation, Throws(Header + "<message a='1' b='2' c='3'/>", options).Condition);
        Assert.Equal(StreamErrors.PolicyViolation, Throws(Header + "<message><x a='1' b='2' c='3'/></message>", options).Condition);
    }

    [Fact]
    public void Reset_ForgetsTheStream_AndAcceptsANewHeader()
    {
        var parser = new XmppStreamParser(new XmppParserOptions());
        var feeder = new StreamFeeder(parser);
        Assert.Equal(2, feeder.Feed("<?xml version='1.0'?>" + Header + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>").Count);
        Assert.Empty(feeder.Feed("<message><bo")); // half a stanza pending when the stream restarts

        parser.Reset();
        var fresh = new StreamFeeder(parser);
        var events = fresh.Feed("<?xml version='1.0'?><stream:stream to='other.example' xmlns='jabber:server' " +
                                "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'><presence/>");
        Assert.Equal(2, events.Count);
        var open = Assert.IsType<StreamOpenEvent>(events[0]);
        Assert.Equal("other.example", open.Get("to"));
        Assert.Equal("jabber:server", open.DefaultNamespace);
        Assert.Equal(XName.Get("presence", "jabber:server"), ((StanzaEvent)events[1]).Element.Name);
    }

    [Fact]
    public void Reset_DropsPrefixesOfTheOldHeader()
    {
        var parser = new XmppStreamParser(new XmppParserOptions());
        new StreamFeeder(parser).Feed(
            "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback'>");
        parser.Reset();
        var feeder = new StreamFeeder(parser);
        Assert.Single(feeder.Feed(Header));
        var ex = Assert.Throws<XmppStreamException>(() => feeder.Feed("<db:result/>"));
        Assert.Equal(StreamErrors.BadNamespacePrefix, ex.Condition);
    }

    [Fact]
    public void StanzaWithoutHeader_BeforeReset_IsNotAcceptedAsHeader()
    {
        var parser = new XmppStreamParser(new XmppParserOptions());
        var feeder = new StreamFeeder(parser);
        var ex = Assert.Throws<XmppStreamException>(() => feeder.Feed("<presence xmlns='jabber:client'/>"));
        Assert.Equal(StreamErrors.InvalidNamespace, ex.Condition);
    }

    [Fact]
    public void LargeStanzaFedOneByteAtATime_IsScannedIncrementally()
    {
        // 200 KB in 1-byte reads: an implementation that rescans the partial stanza on every call
        // would do ~2*10^10 byte steps here; an incremental one does 2*10^5.
        var options = new XmppParserOptions { MaxStanzaBytes = 256 * 1024 };
        var feeder = new StreamFeeder(new XmppStreamParser(options), blockSize: 4096);
        Assert.Single(feeder.Feed(Header));
        var text = new StringBuilder("<message><body>");
        while (text.Length < 200_000) text.Append("abc &amp; d\u00e9f <b x='1'>y</b> ");
        text.Append("</body></message>");
        var bytes = Encoding.UTF8.GetBytes(text.ToString());

        var sw = Stopwatch.StartNew();
        var events = new List<XmppStreamEvent>();
        for (var i = 0; i < bytes.Length; i++) events.AddRange(feeder.Feed(bytes.AsSpan(i, 1)));
        sw.Stop();

        var ev = Assert.IsType<StanzaEvent>(Assert.Single(events));
        Assert.Equal(bytes.Length, ev.Size);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
    }

    [Fact]
    public void TryRead_WithShorterBufferThanExamined_Throws()
    {
        var parser = new XmppStreamParser(new XmppParserOptions());
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(Header + "<message>"));
        Assert.True(parser.TryRead(ref buffer, out _));
        Assert.False(parser.TryRead(ref buffer, out _));
        var shorter = buffer.Slice(0, 3);
        Assert.Throws<InvalidOperationException>(() => parser.TryRead(ref shorter, out _));
    }
}

public class XmppStreamParserEdgeTests
{
    private const string Header =
        "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='a&amp;b&#46;example'>";

    [Fact]
    public void MismatchedEndTag_IsRefusedAtOnce_WithoutWaitingForTheStanzaEnd()
    {
        var feeder = new StreamFeeder(new XmppStreamParser(new XmppParserOptions()));
        var open = Assert.IsType<StreamOpenEvent>(Assert.Single(feeder.Feed(Header)));
        Assert.Equal("a&b.example", open.Get("to"));
        Assert.Empty(feeder.Feed("<message><body>x"));
        var ex = Assert.Throws<XmppStreamException>(() => feeder.Feed("</bodx>"));
        Assert.Equal(StreamErrors.NotWellFormed, ex.Condition);
    }

    [Fact]
    public void EndTagWithSameLengthOtherName_IsRefused_AndNestedSameNamesWork()
    {
        var ok = StreamFeeder.ReadAll(Header + "<a><a><a/></a><b></b></a>", chunk: 2);
        Assert.Equal(4, Assert.IsType<StanzaEvent>(ok[1]).Element.DescendantsAndSelf().Count());
        var ex = Assert.Throws<XmppStreamException>(() => StreamFeeder.ReadAll(Header + "<ab><ba></ab></ba>"));
        Assert.Equal(StreamErrors.NotWellFormed, ex.Condition);
    }

    [Fact]
    public void StanzaSize_ExcludesSurroundingWhitespace()
    {
        var events = StreamFeeder.ReadAll(Header + "\n\n   <presence type='unavailable'/>\n");
        Assert.Equal("<presence type='unavailable'/>".Length, ((StanzaEvent)events[1]).Size);
    }
}
