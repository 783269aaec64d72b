using System.Text;
using Xmpp.Sm.Routing;

namespace Xmpp.Sm.Tests;

public class RawStanzaShapeTests
{
    [Theory]
    [InlineData("<message xmlns='jabber:client' to='a@b'><body>x</body></message>", "message")]
    [InlineData("<message xmlns='jabber:client'/>", "message")]
    [InlineData("<message></message>", "message")]
    [InlineData("<presence xmlns='jabber:client' from='a@b/c'/>", "presence")]
    [InlineData("<presence xmlns='jabber:client'><show>away</show></presence>", "presence")]
    public void Whole_elements_of_the_hinted_kind_pass(string xml, string kind) =>
        Assert.True(RawStanzaShape.IsWhole(Encoding.UTF8.GetBytes(xml), kind));

    [Theory]
    [InlineData("<message xmlns='jabber:client'", "message")]                            // cut short
    [InlineData("<message xmlns='jabber:client'><body>x</body></messag", "message")]     // cut short
    [InlineData("<messages xmlns='jabber:client'/>", "message")]                          // another name
    [InlineData("<presence xmlns='jabber:client'/>", "message")]                          // another kind
    [InlineData("<message xmlns='jabber:client'><body>x</body></presence>", "message")]   // closed as another
    [InlineData("<iq xmlns='jabber:client' type='get' id='1'/>", "iq")]                   // iqs are always parsed
    [InlineData("", "message")]
    [InlineData("message/>", "message")]
    public void Anything_else_is_left_to_the_parser(string xml, string kind) =>
        Assert.False(RawStanzaShape.IsWhole(Encoding.UTF8.GetBytes(xml), kind));
}
