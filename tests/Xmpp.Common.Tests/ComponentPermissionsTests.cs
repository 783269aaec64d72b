using Google.Protobuf;
using Xmpp.Common.Link;
using Xmpp.Common.Pki;
using Xmpp.Protos;
using Xunit;
using Action = Xmpp.Protos.Session.Types.Action;

namespace Xmpp.Common.Tests;

/// <summary>The router's rules for service components (issue 21): bind only component/&lt;own domain&gt;, send only packets from within it to sm.</summary>
public sealed class ComponentPermissionsTests
{
    private static readonly ComponentIdentity Conference = PkiLayout.Component("conference.localhost");
    private static readonly ComponentIdentity Sm = PkiLayout.Sm("localhost");

    [Theory]
    [InlineData("component/conference.localhost", true)]
    [InlineData("component/upload.localhost", false)]
    [InlineData("component/localhost", false)]
    [InlineData("sm/localhost", false)]
    [InlineData("c2s/conference.localhost", false)]
    [InlineData("ctl/x", false)]
    public void A_component_binds_only_its_own_domain(string address, bool allowed) =>
        Assert.Equal(allowed, LinkPermissions.CheckBind(Conference, [address]) is null);

    [Fact]
    public void A_component_certificate_names_its_role_and_domain()
    {
        Assert.Equal("component/conference.localhost", Conference.CommonName);
        Assert.True(ComponentRoles.TryParse("component", out var role));
        Assert.Equal(ComponentRole.Component, role);
        using var ca = DeploymentCa.Create();
        using var certificate = ca.IssueClient(Conference);
        Assert.Equal(Conference, ComponentIdentity.FromCertificate(certificate));
    }

    [Theory]
    [InlineData("conference.localhost", true)]
    [InlineData("room@conference.localhost", true)]
    [InlineData("room@conference.localhost/nick", true)]
    [InlineData("conference.localhost/res", true)]
    [InlineData("alice@localhost/phone", false)]
    [InlineData("localhost", false)]
    [InlineData("upload.localhost", false)]
    [InlineData("evil.conference.localhost", false)]
    [InlineData("", false)]
    [InlineData("@@bad", false)]
    public void A_component_sends_stanzas_only_from_within_its_domain(string stanzaFrom, bool allowed)
    {
        var frame = Packet("sm/localhost", "component/conference.localhost", stanzaFrom);
        Assert.Equal(allowed, LinkPermissions.CheckFrame(Conference, frame) is null);
    }

    [Theory]
    [InlineData("c2s/c2s-1")]
    [InlineData("component/upload.localhost")]
    [InlineData("ctl/x")]
    public void A_component_sends_packets_to_sm_only(string to) =>
        Assert.NotNull(LinkPermissions.CheckFrame(Conference, Packet(to, "component/conference.localhost", "conference.localhost")));

    [Fact]
    public void A_component_sends_no_session_actions()
    {
        var frame = new Frame { To = "sm/localhost", From = "component/conference.localhost", Session = new Session { Action = Action.Create, Target = "eve@localhost" } };
        Assert.NotNull(LinkPermissions.CheckFrame(Conference, frame));
    }

    [Fact]
    public void Sm_sends_packets_to_components()
    {
        Assert.Null(LinkPermissions.CheckFrame(Sm, Packet("component/conference.localhost", "sm/localhost", "alice@localhost/phone")));
        Assert.False(LinkPermissions.MayListComponents(Sm));
        Assert.False(LinkPermissions.MayListComponents(Conference));
        Assert.True(LinkPermissions.MayListComponents(PkiLayout.Admin()));
    }

    private static Frame Packet(string to, string from, string stanzaFrom) => new()
    {
        To = to,
        From = from,
        Packet = new Packet { Kind = "message", StanzaFrom = stanzaFrom, StanzaTo = "alice@localhost", Stanza = ByteString.CopyFromUtf8("<message/>") },
    };
}
