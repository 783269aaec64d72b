using System.Xml.Linq;
using Xmpp.C2s.Protocol;
using Xmpp.C2s.Sasl;

namespace Xmpp.C2s.Tests;

/// <summary>
/// XEP-0198 inline in XEP-0388 &lt;authenticate/&gt; and XEP-0386 &lt;bind/&gt;: what is asked, and
/// where the legacy answers (<see cref="StreamManagementNonzas"/>) go in &lt;success/&gt;.
/// </summary>
public sealed class Sasl2StreamManagementTests
{
    private const string Sm = StreamManagementNonzas.Namespace;

    private static Sasl2Request Request(string inner) =>
        Sasl2Request.Parse(XElement.Parse($"<authenticate xmlns='urn:xmpp:sasl:2' mechanism='PLAIN'><initial-response>AGEAYg==</initial-response>{inner}</authenticate>"));

    private static string Success(Sasl2StreamManagement inline, string authzid) =>
        Sasl2Xml.Success(null, authzid, inline.Extensions);

    [Fact]
    public void A_resumption_that_succeeds_puts_resumed_in_success_and_skips_bind2()
    {
        var inline = new Sasl2StreamManagement(Request($"<resume xmlns='{Sm}' previd='some-long-sm-id' h='42'/><bind xmlns='urn:xmpp:bind:0'><enable xmlns='{Sm}'/></bind>"), offered: true);
        Assert.Equal(("some-long-sm-id", 42u), inline.Resume);
        Assert.NotNull(inline.Enable);

        Assert.True(inline.OnResumeAnswer(StreamManagementNonzas.Resumed("some-long-sm-id", 7)));
        Assert.True(inline.Resumed);
        var success = XElement.Parse(Success(inline, "alice@localhost/phone"));
        var resumed = Assert.Single(success.Elements(XName.Get("resumed", Sm)));
        Assert.Equal("7", (string?)resumed.Attribute("h"));
        Assert.Equal("some-long-sm-id", (string?)resumed.Attribute("previd"));
        Assert.Empty(success.Elements(XName.Get("bound", Sasl2Namespaces.Bind2)));
        Assert.Equal("alice@localhost/phone", success.Element(XName.Get("authorization-identifier", Sasl2Namespaces.Sasl2))!.Value);
    }

    [Fact]
    public void A_refused_resumption_puts_failed_in_success_and_bind2_follows_with_its_own_enable_answer()
    {
        var inline = new Sasl2StreamManagement(Request($"<resume xmlns='{Sm}' previd='gone' h='0'/><bind xmlns='urn:xmpp:bind:0'><enable xmlns='{Sm}' resume='true'/></bind>"), offered: true);
        Assert.False(inline.OnResumeAnswer(StreamManagementNonzas.Failed("item-not-found")));
        Assert.False(inline.Resumed);

        inline.OnBound(new XElement(XName.Get("bound", Sasl2Namespaces.Bind2)));
        Assert.True(StreamManagementNonzas.WantsResume(inline.Enable!));
        inline.OnEnableAnswer(StreamManagementNonzas.Enabled("new-id", 300));

        var success = XElement.Parse(Success(inline, "alice@localhost/App/1234"));
        var children = success.Elements().Select(e => e.Name).ToList();
        Assert.Equal([XName.Get("authorization-identifier", Sasl2Namespaces.Sasl2), XName.Get("failed", Sm), XName.Get("bound", Sasl2Namespaces.Bind2)], children);
        Assert.NotNull(success.Element(XName.Get("failed", Sm))!.Element(XName.Get("item-not-found", "urn:ietf:params:xml:ns:xmpp-stanzas")));
        var enabled = success.Element(XName.Get("bound", Sasl2Namespaces.Bind2))!.Element(XName.Get("enabled", Sm))!;
        Assert.Equal("new-id", (string?)enabled.Attribute("id"));
        Assert.Equal("true", (string?)enabled.Attribute("resume"));
    }

    [Fact]
    public void A_refused_enable_is_answered_with_failed_inside_bound()
    {
        var inline = new Sasl2StreamManagement(Request($"<bind xmlns='urn:xmpp:bind:0'><enable xmlns='{Sm}'/></bind>"), offered: true);
        Assert.Null(inline.Resume);
        inline.OnBound(new XElement(XName.Get("bound", Sasl2Namespaces.Bind2)));
        inline.OnEnableAnswer(StreamManagementNonzas.Failed("internal-server-error"));
        var bound = XElement.Parse(Success(inline, "a@b/c")).Element(XName.Get("bound", Sasl2Namespaces.Bind2))!;
        Assert.NotNull(bound.Element(XName.Get("failed", Sm)));
    }

    [Theory]
    [InlineData("previd='x'")]
    [InlineData("h='1'")]
    [InlineData("previd='' h='1'")]
    [InlineData("previd='x' h='-1'")]
    [InlineData("previd='x' h='4294967296'")]
    public void A_malformed_resume_is_answered_with_bad_request_and_nothing_is_resumed(string attributes)
    {
        var inline = new Sasl2StreamManagement(Request($"<resume xmlns='{Sm}' {attributes}/>"), offered: true);
        Assert.Null(inline.Resume);
        var failed = Assert.Single(inline.Extensions);
        Assert.Equal(XName.Get("failed", Sm), failed.Name);
        Assert.NotNull(failed.Element(XName.Get("bad-request", "urn:ietf:params:xml:ns:xmpp-stanzas")));
    }

    [Fact]
    public void Not_offered_the_inline_elements_are_ignored()
    {
        var inline = new Sasl2StreamManagement(Request($"<resume xmlns='{Sm}' previd='x' h='1'/><bind xmlns='urn:xmpp:bind:0'><enable xmlns='{Sm}'/></bind>"), offered: false);
        Assert.Null(inline.Resume);
        Assert.Null(inline.Enable);
        Assert.Empty(inline.Extensions);
    }

    [Fact]
    public void Without_a_bound_resource_an_enable_answer_has_no_place()
    {
        var inline = new Sasl2StreamManagement(Request($"<bind xmlns='urn:xmpp:bind:0'><enable xmlns='{Sm}'/></bind>"), offered: true);
        Assert.Throws<InvalidOperationException>(() => inline.OnEnableAnswer(StreamManagementNonzas.Enabled(null, 0)));
    }
}
