using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Sm.Modules.ContactAddresses;
using Xmpp.Sm.Modules.ExternalServices;
using static Xmpp.Sm.Tests.SmHarness;

namespace Xmpp.Sm.Tests;

/// <summary>XEP-0157 contact addresses and XEP-0215 external services, from configuration.</summary>
public sealed class ServiceDirectoryModuleTests
{
    private static readonly XNamespace Data = "jabber:x:data";
    private static readonly XNamespace Ext = ExternalServicesModule.Namespace;
    private static readonly XNamespace Info = Ns.DiscoInfo;

    private static XElement Ask(SmHarness h, string xml)
    {
        h.CreateUser("alice");
        var alice = h.Online("alice@localhost/phone");
        return SingleStanzaTo(h.Send(alice, xml), alice);
    }

    [Fact]
    public void Xep0157_the_configured_addresses_are_a_serverinfo_form_in_the_servers_disco_info()
    {
        using var h = new SmHarness(settings: new Dictionary<string, string?>
        {
            ["Sm:ContactAddresses:Admin:0"] = "xmpp:admin@localhost",
            ["Sm:ContactAddresses:Admin:1"] = "mailto:admin@example.org",
            ["Sm:ContactAddresses:Abuse:0"] = "mailto:abuse@example.org",
        });

        var info = Ask(h, $"<iq type='get' id='d1' to='localhost'><query xmlns='{Ns.DiscoInfo}'/></iq>").Element(Info + "query")!;

        var form = Assert.Single(info.Elements(Data + "x"), x => x.Elements(Data + "field").Any(f => (string?)f.Attribute("var") == "FORM_TYPE"
            && f.Element(Data + "value")?.Value == ContactAddressesModule.FormType));
        string[] Values(string var) => form.Elements(Data + "field").Single(f => (string?)f.Attribute("var") == var).Elements(Data + "value").Select(v => v.Value).ToArray();
        Assert.Equal(["xmpp:admin@localhost", "mailto:admin@example.org"], Values("admin-addresses"));
        Assert.Equal(["mailto:abuse@example.org"], Values("abuse-addresses"));
        Assert.DoesNotContain(form.Elements(Data + "field"), f => (string?)f.Attribute("var") == "sales-addresses");
    }

    [Fact]
    public void Xep0157_without_addresses_there_is_no_form()
    {
        using var h = new SmHarness();
        var info = Ask(h, $"<iq type='get' id='d2' to='localhost'><query xmlns='{Ns.DiscoInfo}'/></iq>").Element(Info + "query")!;
        Assert.Empty(info.Elements(Data + "x"));
    }

    private static SmHarness WithServices(TimeProvider? clock = null) => new(clock: clock, settings: new Dictionary<string, string?>
    {
        ["Sm:ExternalServices:Services:0:Type"] = "stun",
        ["Sm:ExternalServices:Services:0:Host"] = "stun.example.org",
        ["Sm:ExternalServices:Services:0:Port"] = "3478",
        ["Sm:ExternalServices:Services:0:Transport"] = "udp",
        ["Sm:ExternalServices:Services:1:Type"] = "turn",
        ["Sm:ExternalServices:Services:1:Host"] = "turn.example.org",
        ["Sm:ExternalServices:Services:1:Port"] = "3478",
        ["Sm:ExternalServices:Services:1:Transport"] = "udp",
        ["Sm:ExternalServices:Services:1:Secret"] = "s3cret",
        ["Sm:ExternalServices:CredentialsTtlSeconds"] = "3600",
    });

    [Fact]
    public void Xep0215_services_lists_the_configured_services_with_time_limited_turn_credentials()
    {
        var clock = new ManualClock { Now = new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero) };
        using var h = WithServices(clock);

        var services = Ask(h, $"<iq type='get' id='e1' to='localhost'><services xmlns='{ExternalServicesModule.Namespace}'/></iq>").Element(Ext + "services")!;

        var stun = services.Elements(Ext + "service").Single(s => (string?)s.Attribute("type") == "stun");
        Assert.Equal(("stun.example.org", "3478", "udp"), ((string?)stun.Attribute("host"), (string?)stun.Attribute("port"), (string?)stun.Attribute("transport")));
        Assert.Null(stun.Attribute("username"));
        var turn = services.Elements(Ext + "service").Single(s => (string?)s.Attribute("type") == "turn");
        var expires = clock.Now.AddHours(1);
        var expected = ExternalServicesModule.RestCredentials("s3cret", "alice@localhost", expires);
        Assert.Equal($"{expires.ToUnixTimeSeconds()}:alice@localhost", (string?)turn.Attribute("username"));
        Assert.Equal(expected.Password, (string?)turn.Attribute("password"));
        Assert.Equal("2026-12-06T13:00:00Z", (string?)turn.Attribute("expires"));
        // the TURN REST API's password: base64(HMAC-SHA1(secret, username)), checked against a value computed independently
        Assert.Equal(Convert.ToBase64String(System.Security.Cryptography.HMACSHA1.HashData("s3cret"u8, System.Text.Encoding.UTF8.GetBytes(expected.Username))), expected.Password);
        Assert.Contains(ExternalServicesModule.Namespace, h.Sm.Hooks.Features);
    }

    [Fact]
    public void Xep0215_a_type_narrows_the_list_and_credentials_for_an_unknown_host_are_item_not_found()
    {
        using var h = WithServices();
        h.CreateUser("alice");
        var alice = h.Online("alice@localhost/phone");

        var services = SingleStanzaTo(h.Send(alice, $"<iq type='get' id='e2' to='localhost'><services xmlns='{ExternalServicesModule.Namespace}' type='turn'/></iq>"), alice);
        Assert.Equal(["turn"], services.Element(Ext + "services")!.Elements(Ext + "service").Select(s => (string?)s.Attribute("type")));

        var credentials = SingleStanzaTo(h.Send(alice, $"<iq type='get' id='e3' to='localhost'><credentials xmlns='{ExternalServicesModule.Namespace}'><service host='turn.example.org' type='turn'/></credentials></iq>"), alice);
        Assert.NotNull(credentials.Element(Ext + "credentials")?.Element(Ext + "service")?.Attribute("password"));

        var unknown = SingleStanzaTo(h.Send(alice, $"<iq type='get' id='e4' to='localhost'><credentials xmlns='{ExternalServicesModule.Namespace}'><service host='nowhere.example.org'/></credentials></iq>"), alice);
        Assert.Equal("item-not-found", ErrorCondition(unknown));
    }

    [Fact]
    public void Xep0215_without_services_the_feature_is_not_announced_and_the_query_is_service_unavailable()
    {
        using var h = new SmHarness();
        var answer = Ask(h, $"<iq type='get' id='e5' to='localhost'><services xmlns='{ExternalServicesModule.Namespace}'/></iq>");
        Assert.Equal("service-unavailable", ErrorCondition(answer));
        Assert.DoesNotContain(ExternalServicesModule.Namespace, h.Sm.Hooks.Features);
    }
}
