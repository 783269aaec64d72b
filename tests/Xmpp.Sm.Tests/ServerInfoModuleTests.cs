using System.Xml.Linq;
using Xmpp.Common;
using Xmpp.Sm.Modules.Time;
using Xmpp.Sm.Modules.Version;
using static Xmpp.Sm.Tests.SmHarness;

namespace Xmpp.Sm.Tests;

/// <summary>XEP-0092 software version (configurable, hideable, no OS by default) and XEP-0202 entity time of the server.</summary>
public sealed class ServerInfoModuleTests
{
    private static readonly XNamespace V = VersionModule.Namespace;
    private static readonly XNamespace T = TimeModule.Namespace;

    private static XElement Ask(SmHarness h, string xml)
    {
        h.CreateUser("alice");
        var alice = h.Online("alice@localhost/phone");
        return SingleStanzaTo(h.Send(alice, xml), alice);
    }

    [Fact]
    public void Version_answers_the_configured_name_and_version_and_no_os()
    {
        using var h = new SmHarness(settings: new Dictionary<string, string?> { ["Sm:Version:Name"] = "ourserver", ["Sm:Version:Version"] = "9.8" });

        var result = Ask(h, $"<iq type='get' id='v1' to='localhost'><query xmlns='{VersionModule.Namespace}'/></iq>");

        var query = result.Element(V + "query")!;
        Assert.Equal(("ourserver", "9.8"), (query.Element(V + "name")?.Value, query.Element(V + "version")?.Value));
        Assert.Null(query.Element(V + "os"));
    }

    [Fact]
    public void Version_names_the_os_only_when_configured_to()
    {
        using var h = new SmHarness(settings: new Dictionary<string, string?> { ["Sm:Version:ShowOs"] = "true" });

        var query = Ask(h, $"<iq type='get' id='v2' to='localhost'><query xmlns='{VersionModule.Namespace}'/></iq>").Element(V + "query")!;

        Assert.False(string.IsNullOrEmpty(query.Element(V + "os")?.Value));
        Assert.False(string.IsNullOrEmpty(query.Element(V + "version")?.Value)); // sm's own version by default
    }

    [Fact]
    public void A_hidden_version_is_service_unavailable_and_not_in_disco()
    {
        using var h = new SmHarness(settings: new Dictionary<string, string?> { ["Sm:Version:Hide"] = "true" });

        var result = Ask(h, $"<iq type='get' id='v3' to='localhost'><query xmlns='{VersionModule.Namespace}'/></iq>");

        Assert.Equal("service-unavailable", ErrorCondition(result));
        Assert.DoesNotContain(VersionModule.Namespace, h.Sm.Hooks.Features);
    }

    [Fact]
    public void Time_answers_utc_with_a_zero_offset()
    {
        var clock = new ManualClock { Now = new DateTimeOffset(2026, 12, 6, 21, 52, 3, 45, TimeSpan.Zero) };
        using var h = new SmHarness(clock: clock);

        var time = Ask(h, $"<iq type='get' id='t1' to='localhost'><time xmlns='{TimeModule.Namespace}'/></iq>").Element(T + "time")!;

        Assert.Equal("+00:00", time.Element(T + "tzo")?.Value);
        Assert.Equal("2026-12-06T21:52:03.045Z", time.Element(T + "utc")?.Value);
    }

    [Fact]
    public void Time_to_an_account_is_not_the_server_s_to_answer()
    {
        using var h = new SmHarness();

        var result = Ask(h, $"<iq type='get' id='t2'><time xmlns='{TimeModule.Namespace}'/></iq>");

        Assert.Equal("service-unavailable", ErrorCondition(result));
    }
}

/// <summary>A clock the test sets.</summary>
public sealed class ManualClock : TimeProvider
{
    public DateTimeOffset Now { get; set; } = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => Now;
}
