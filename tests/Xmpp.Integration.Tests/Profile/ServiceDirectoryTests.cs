using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Profile;

/// <summary>
/// XEP-0157 contact addresses and XEP-0215 external services as configured for sm, seen by a client
/// through real sockets. Its own cluster, since it configures sm.
/// </summary>
public sealed class ServiceDirectoryTests(ITestOutputHelper output)
{
    private static readonly XNamespace Data = "jabber:x:data";
    private static readonly XNamespace Ext = "urn:xmpp:extdisco:2";

    [Fact]
    public async Task Xep0157_and_xep0215_the_configured_contacts_and_stun_turn_services_reach_the_client()
    {
        await using var cluster = await Cluster.StartAsync(new ClusterOptions
        {
            C2sCount = 1,
            ExtraArgs = new Dictionary<string, string[]>
            {
                ["sm"] =
                [
                    "--Sm:ContactAddresses:Admin:0=xmpp:admin@localhost", "--Sm:ContactAddresses:Abuse:0=mailto:abuse@example.org",
                    "--Sm:ExternalServices:Services:0:Type=stun", "--Sm:ExternalServices:Services:0:Host=stun.example.org",
                    "--Sm:ExternalServices:Services:0:Port=3478", "--Sm:ExternalServices:Services:0:Transport=udp",
                    "--Sm:ExternalServices:Services:1:Type=turn", "--Sm:ExternalServices:Services:1:Host=turn.example.org",
                    "--Sm:ExternalServices:Services:1:Port=3478", "--Sm:ExternalServices:Services:1:Transport=udp",
                    "--Sm:ExternalServices:Services:1:Secret=not-a-real-secret",
                ],
            },
        });
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 40);
        var alice = await clients.LoginAsync(await cluster.NewUserAsync("alice"), cluster.C2s1Port);

        var info = await alice.IqAsync("get", $"<query xmlns='{Ns.DiscoInfo}'/>", to: Cluster.Domain);
        info.AssertResult();
        var query = info.Element(XName.Get("query", Ns.DiscoInfo))!;
        Assert.Contains(query.Elements(XName.Get("feature", Ns.DiscoInfo)), f => f.Attr("var") == "urn:xmpp:extdisco:2");
        var form = query.Elements(Data + "x").Single(x => x.Elements(Data + "field").Any(f => f.Attr("var") == "FORM_TYPE" && f.Element(Data + "value")?.Value == "http://jabber.org/network/serverinfo"));
        Assert.Equal("xmpp:admin@localhost", form.Elements(Data + "field").Single(f => f.Attr("var") == "admin-addresses").Element(Data + "value")?.Value);
        Assert.Equal("mailto:abuse@example.org", form.Elements(Data + "field").Single(f => f.Attr("var") == "abuse-addresses").Element(Data + "value")?.Value);

        var services = await alice.IqAsync("get", "<services xmlns='urn:xmpp:extdisco:2'/>", to: Cluster.Domain);
        services.AssertResult();
        var listed = services.Element(Ext + "services")!.Elements(Ext + "service").ToArray();
        Assert.Equal(["stun.example.org", "turn.example.org"], listed.Select(s => s.Attr("host")));
        var turn = listed.Single(s => s.Attr("type") == "turn");
        Assert.EndsWith(":" + Stanza.BareOf(alice.Jid), turn.Attr("username"));
        Assert.False(string.IsNullOrEmpty(turn.Attr("password")), turn.Text());
    }
}
