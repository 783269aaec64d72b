using System.Xml.Linq;
using Xmpp.Common;
using static Xmpp.Sm.Tests.SmHarness;

namespace Xmpp.Sm.Tests;

/// <summary>Iqs addressed to the server: ping, disco, and what nobody handles.</summary>
public sealed class ServerIqTests : IDisposable
{
    private static readonly XNamespace Info = Ns.DiscoInfo;
    private static readonly XNamespace Items = Ns.DiscoItems;
    private readonly SmHarness _h = new();
    private readonly Client _alice;

    public ServerIqTests()
    {
        _h.CreateUser("alice");
        _alice = _h.Online("alice@localhost/phone");
    }

    public void Dispose() => _h.Dispose();

    [Theory]
    [InlineData("<iq to='localhost' type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>", "localhost")]
    [InlineData("<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>", null)]
    public void Ping_to_the_server_is_answered_with_a_result(string ping, string? from)
    {
        var result = SingleStanzaTo(_h.Send(_alice, ping), _alice);

        Assert.Equal("result", (string?)result.Attribute("type"));
        Assert.Equal("p1", (string?)result.Attribute("id"));
        Assert.Equal("alice@localhost/phone", (string?)result.Attribute("to"));
        Assert.Equal(from, (string?)result.Attribute("from"));
        Assert.Empty(result.Elements());
    }

    [Fact]
    public void Disco_info_names_the_server_and_the_features_the_modules_declare()
    {
        var result = SingleStanzaTo(_h.Send(_alice, "<iq to='localhost' type='get' id='d1'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"), _alice);

        Assert.Equal("result", (string?)result.Attribute("type"));
        var query = result.Element(Info + "query")!;
        var identity = Assert.Single(query.Elements(Info + "identity"));
        Assert.Equal("server", (string?)identity.Attribute("category"));
        Assert.Equal("im", (string?)identity.Attribute("type"));
        var features = query.Elements(Info + "feature").Select(f => (string?)f.Attribute("var")).ToList();
        Assert.Contains(Ns.DiscoInfo, features);
        Assert.Contains(Ns.DiscoItems, features);
        Assert.Contains(Ns.Ping, features);
        Assert.Contains("msgoffline", features);
        Assert.Equal(_h.Sm.Hooks.Features.Count, features.Count);
    }

    [Fact]
    public void Disco_items_is_empty()
    {
        var result = SingleStanzaTo(_h.Send(_alice, "<iq to='localhost' type='get' id='d2'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>"), _alice);

        Assert.Equal("result", (string?)result.Attribute("type"));
        Assert.Empty(result.Element(Items + "query")!.Elements());
    }

    [Theory]
    [InlineData("<iq to='localhost' type='get' id='x1'><query xmlns='urn:example:unknown'/></iq>")]
    [InlineData("<iq type='set' id='x1'><query xmlns='urn:example:unknown'/></iq>")]
    [InlineData("<iq to='alice@localhost' type='get' id='x1'><query xmlns='urn:example:unknown'/></iq>")]
    public void An_iq_with_an_unknown_payload_gets_service_unavailable(string iq)
    {
        var error = SingleStanzaTo(_h.Send(_alice, iq), _alice);

        Assert.Equal("error", (string?)error.Attribute("type"));
        Assert.Equal("x1", (string?)error.Attribute("id"));
        Assert.Equal("service-unavailable", ErrorCondition(error));
    }

    [Fact]
    public void An_iq_get_without_exactly_one_payload_gets_bad_request()
    {
        var error = SingleStanzaTo(_h.Send(_alice, "<iq to='localhost' type='get' id='b1'/>"), _alice);

        Assert.Equal("bad-request", ErrorCondition(error));
    }

    [Fact]
    public void Iq_results_and_errors_to_the_server_are_dropped()
    {
        Assert.Empty(_h.Send(_alice, "<iq to='localhost' type='result' id='r1'/>"));
        Assert.Empty(_h.Send(_alice, "<iq type='error' id='r2'/>"));
    }
}
