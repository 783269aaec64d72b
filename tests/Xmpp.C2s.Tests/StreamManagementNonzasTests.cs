using System.Xml.Linq;
using Xmpp.C2s.Protocol;

namespace Xmpp.C2s.Tests;

/// <summary>XEP-0198's elements as c2s reads and writes them (urn:xmpp:sm:3; h is an unsigned 32-bit count).</summary>
public sealed class StreamManagementNonzasTests
{
    private static XElement E(string xml) => XElement.Parse(xml);

    [Theory]
    [InlineData("<a xmlns='urn:xmpp:sm:3' h='0'/>", true, 0u)]
    [InlineData("<a xmlns='urn:xmpp:sm:3' h='4294967295'/>", true, 4294967295u)]
    [InlineData("<a xmlns='urn:xmpp:sm:3' h='4294967296'/>", false, 0u)]
    [InlineData("<a xmlns='urn:xmpp:sm:3' h='-1'/>", false, 0u)]
    [InlineData("<a xmlns='urn:xmpp:sm:3' h=' 1'/>", false, 0u)]
    [InlineData("<a xmlns='urn:xmpp:sm:3'/>", false, 0u)]
    public void H_is_an_unsigned_32_bit_number(string xml, bool valid, uint h)
    {
        Assert.Equal(valid, StreamManagementNonzas.TryH(E(xml), out var parsed));
        if (valid) Assert.Equal(h, parsed);
    }

    [Fact]
    public void Enable_names_resume_and_max()
    {
        var enable = E("<enable xmlns='urn:xmpp:sm:3' resume='true' max='120'/>");
        Assert.True(StreamManagementNonzas.WantsResume(enable));
        Assert.Equal(120u, StreamManagementNonzas.Max(enable));
        Assert.False(StreamManagementNonzas.WantsResume(E("<enable xmlns='urn:xmpp:sm:3'/>")));
        Assert.Equal(0u, StreamManagementNonzas.Max(E("<enable xmlns='urn:xmpp:sm:3' max='soon'/>")));
    }

    [Fact]
    public void The_servers_elements_follow_the_xep_examples()
    {
        Assert.Equal("<enabled xmlns='urn:xmpp:sm:3' id='abc' resume='true' max='300'/>", StreamManagementNonzas.Enabled("abc", 300));
        Assert.Equal("<enabled xmlns='urn:xmpp:sm:3'/>", StreamManagementNonzas.Enabled(null, 300));
        Assert.Equal("<resumed xmlns='urn:xmpp:sm:3' h='7' previd='abc'/>", StreamManagementNonzas.Resumed("abc", 7));
        Assert.Equal("<a xmlns='urn:xmpp:sm:3' h='4294967295'/>", StreamManagementNonzas.Ack(uint.MaxValue));
        Assert.Equal("<failed xmlns='urn:xmpp:sm:3'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>",
            StreamManagementNonzas.Failed("item-not-found"));
    }
}
