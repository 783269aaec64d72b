using System.Xml.Linq;
using Xmpp.C2s.Protocol;
using Xmpp.C2s.Sasl;

namespace Xmpp.C2s.Tests;

/// <summary>XEP-0386 Bind 2 requests, resources, and the SASL2 stream feature.</summary>
public sealed class Bind2Tests
{
    private const string Agent = "d4565fa7-4d72-4749-b3d3-740edbf87770";

    [Fact]
    public void The_resource_is_the_tag_and_a_part_stable_per_account_and_user_agent()
    {
        var first = Bind2Resource.For("AwesomeXMPP", "alice@localhost", Agent);
        Assert.Equal(first, Bind2Resource.For("AwesomeXMPP", "alice@localhost", Agent));
        Assert.StartsWith("AwesomeXMPP/", first);
        Assert.Equal("AwesomeXMPP/".Length + 2 * Bind2Resource.IdBytes, first.Length);
        Assert.NotEqual(first, Bind2Resource.For("AwesomeXMPP", "bob@localhost", Agent));
        Assert.NotEqual(first, Bind2Resource.For("AwesomeXMPP", "alice@localhost", "another-device"));
        Assert.DoesNotContain("d4565fa7", first); // the id is never revealed
    }

    [Fact]
    public void Without_a_user_agent_id_the_resource_is_random()
    {
        Assert.NotEqual(Bind2Resource.For("App", "alice@localhost", null), Bind2Resource.For("App", "alice@localhost", null));
        Assert.DoesNotContain("/", Bind2Resource.For(null, "alice@localhost", null));
    }

    [Fact]
    public void The_xep_example_request_parses()
    {
        var authenticate = XElement.Parse("""
            <authenticate xmlns='urn:xmpp:sasl:2' mechanism='SCRAM-SHA-1'>
              <initial-response>biwsbj11c2VyLHI9MTIzNDU2Nzg=</initial-response>
              <user-agent id='d4565fa7-4d72-4749-b3d3-740edbf87770'><software>AwesomeXMPP</software><device>Kiva's Phone</device></user-agent>
              <upgrade xmlns='urn:xmpp:sasl:upgrade:0'>UPGR-SCRAM-SHA-256</upgrade>
              <bind xmlns='urn:xmpp:bind:0'>
                <tag>AwesomeXMPP</tag>
                <enable xmlns='urn:xmpp:carbons:2'/>
                <enable xmlns='urn:xmpp:sm:3'/>
                <inactive xmlns='urn:xmpp:csi:0'/>
              </bind>
              <fast xmlns='urn:xmpp:fast:0'/>
            </authenticate>
            """);
        var request = Sasl2Request.Parse(authenticate);
        Assert.Equal("SCRAM-SHA-1", request.Mechanism);
        Assert.Equal("biwsbj11c2VyLHI9MTIzNDU2Nzg=", request.InitialResponse);
        Assert.Equal(Agent, request.UserAgentId);
        Assert.Equal("Kiva's Phone", request.Device);
        Assert.Equal(["UPGR-SCRAM-SHA-256"], request.UpgradeTasks);
        Assert.Equal("AwesomeXMPP", request.Bind!.Tag);
        Assert.True(request.Bind.EnableCarbons);
        Assert.Equal("inactive", request.Bind.Csi!.Name.LocalName);
        Assert.NotNull(request.Bind.StreamManagement);
        Assert.Equal("fast", Assert.Single(request.Others).Name.LocalName); // for XEP-0484
    }

    [Fact]
    public void The_secured_stream_offers_sasl2_with_bind2_and_upgrade_tasks()
    {
        var sasl2 = Sasl2Xml.Feature(["SCRAM-SHA-256", "PLAIN"], [Sasl2Namespaces.Carbons, CsiHold.Namespace], Sasl2Negotiator.UpgradeTasks);
        var features = XElement.Parse(StreamPreamble.Features(StreamStage.Secured, false, true, ["SCRAM-SHA-256", "PLAIN"], sasl2: sasl2)
            .Replace("<stream:features>", "<features>").Replace("</stream:features>", "</features>"));
        var authentication = features.Element(XName.Get("authentication", Sasl2Namespaces.Sasl2))!;
        Assert.Equal(["SCRAM-SHA-256", "PLAIN"], authentication.Elements(XName.Get("mechanism", Sasl2Namespaces.Sasl2)).Select(m => m.Value));
        var bind = authentication.Element(XName.Get("inline", Sasl2Namespaces.Sasl2))!.Element(XName.Get("bind", Sasl2Namespaces.Bind2))!;
        Assert.Equal([Sasl2Namespaces.Carbons, CsiHold.Namespace],
            bind.Element(XName.Get("inline", Sasl2Namespaces.Bind2))!.Elements(XName.Get("feature", Sasl2Namespaces.Bind2)).Select(f => (string)f.Attribute("var")!));
        Assert.Equal(["UPGR-SCRAM-SHA-256", "UPGR-SCRAM-SHA-1"], authentication.Elements(XName.Get("upgrade", Sasl2Namespaces.Upgrade)).Select(u => u.Value));
    }

    [Fact]
    public void Success_and_failure_follow_the_xep_examples()
    {
        var success = XElement.Parse(Sasl2Xml.Success("dj1tc1ZIcy9CeklPSERxWGVWSDdFbW1EdTlpZDg9", "user@example.org/AwesomeXMPP/abc",
            [new XElement(XName.Get("bound", Sasl2Namespaces.Bind2))]));
        Assert.Equal(["additional-data", "authorization-identifier", "bound"], success.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("user@example.org/AwesomeXMPP/abc", success.Element(XName.Get("authorization-identifier", Sasl2Namespaces.Sasl2))!.Value);
        var failure = XElement.Parse(Sasl2Xml.Failure("not-authorized", "wrong <password>"));
        Assert.NotNull(failure.Element(XName.Get("not-authorized", "urn:ietf:params:xml:ns:xmpp-sasl")));
        Assert.Equal("wrong <password>", failure.Element(XName.Get("text", Sasl2Namespaces.Sasl2))!.Value);
    }
}
