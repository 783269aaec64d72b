using Xmpp.Common;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Profile;

/// <summary>The server's disco#info names the profile features it serves, and not the unconfigured ones.</summary>
public sealed class ProfileDiscoTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    [Fact]
    public async Task The_server_announces_vcard_private_storage_and_blocking_but_no_external_services_when_none_are_configured()
    {
        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), C2s1);
        var info = await alice.IqAsync("get", $"<query xmlns='{Ns.DiscoInfo}'/>", to: Cluster.Domain);
        var features = info.Descendants(System.Xml.Linq.XName.Get("feature", Ns.DiscoInfo)).Select(f => f.Attr("var")).ToHashSet();
        Assert.Superset(new HashSet<string?> { "vcard-temp", "jabber:iq:private", "urn:xmpp:blocking" }, features);
        Assert.DoesNotContain("urn:xmpp:extdisco:2", features);
        Assert.DoesNotContain(info.Descendants(System.Xml.Linq.XName.Get("x", "jabber:x:data")), x => x.ToString().Contains("http://jabber.org/network/serverinfo"));
    }
}
