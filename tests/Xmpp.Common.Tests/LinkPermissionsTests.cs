using Xmpp.Common.Link;
using Xmpp.Common.Pki;
using Xmpp.Protos;
using Xunit;
using Action = Xmpp.Protos.Session.Types.Action;

namespace Xmpp.Common.Tests;

/// <summary>The router's role rules (issue #18), without sockets: who may bind what, and send which frame where.</summary>
public sealed class LinkPermissionsTests
{
    private static readonly ComponentIdentity C2s1 = PkiLayout.C2s("c2s-1");
    private static readonly ComponentIdentity Sm = PkiLayout.Sm("localhost");
    private static readonly ComponentIdentity Admin = PkiLayout.Admin();

    [Theory]
    [InlineData("c2s", "c2s-1", "c2s/c2s-1", true)]
    [InlineData("c2s", "c2s-1", "c2s/c2s-2", false)]
    [InlineData("c2s", "c2s-1", "sm/localhost", false)]
    [InlineData("c2s", "c2s-1", "ctl/x", false)]
    [InlineData("sm", "localhost", "sm/localhost", true)]
    [InlineData("sm", "localhost", "sm/example.org", false)]
    [InlineData("sm", "localhost", "sm/localhost#sm-1", true)] // a shard of its domain (sm shards)
    [InlineData("sm", "localhost", "sm/example.org#sm-1", false)]
    [InlineData("sm", "localhost", "sm/localhost#", false)]
    [InlineData("c2s", "c2s-1", "sm/localhost#sm-1", false)]
    [InlineData("sm", "localhost", "c2s/c2s-1", false)]
    [InlineData("admin", "xmppctl", "ctl/9f2c61", true)]
    [InlineData("admin", "xmppctl", "ctl/", false)]
    [InlineData("admin", "xmppctl", "sm/localhost", false)]
    [InlineData("admin", "xmppctl", "c2s/c2s-1", false)]
    public void A_role_binds_only_its_own_addresses(string role, string name, string address, bool allowed)
    {
        Assert.True(ComponentRoles.TryParse(role, out var r));
        var refusal = LinkPermissions.CheckBind(new ComponentIdentity(r, name), [address]);
        Assert.Equal(allowed, refusal is null);
    }

    [Theory]
    [InlineData("sm/localhost", true)]          // a hop: the router gives it to the owner
    [InlineData("sm/localhost#sm-2", true)]     // an ACK straight to a shard
    [InlineData("sm/example.org", false)]       // another domain's sm
    [InlineData("sm/example.org#sm-2", false)]
    public void An_sm_shard_sends_packets_only_to_the_shards_of_its_own_domain(string to, bool allowed)
    {
        var frame = new Frame { To = to, From = "sm/localhost#sm-1", Packet = new Packet { Kind = "message", StanzaTo = "bob@localhost", Hop = new ShardHop { Kind = ShardHop.Types.Kind.Deliver } } };
        Assert.Equal(allowed, LinkPermissions.CheckFrame(Sm, frame) is null);
        // Nobody else may pass a stanza off as a hop (it would skip sm's check of the sending session).
        Assert.NotNull(LinkPermissions.CheckFrame(C2s1, new Frame { To = to, Packet = new Packet { Kind = "message", Hop = new ShardHop { Kind = ShardHop.Types.Kind.Deliver } } }));
        Assert.NotNull(LinkPermissions.CheckFrame(PkiLayout.Component("conference.localhost"),
            new Frame { To = "sm/localhost", Packet = new Packet { Kind = "message", StanzaFrom = "conference.localhost", Hop = new ShardHop { Kind = ShardHop.Types.Kind.Deliver } } }));
    }

    [Fact]
    public void One_forbidden_address_refuses_the_whole_bind() =>
        Assert.NotNull(LinkPermissions.CheckBind(C2s1, ["c2s/c2s-1", "sm/localhost"]));

    public static TheoryData<string, string, Action, bool, bool> Sessions => new()
    {
        // c2s: session requests to sm only
        { "c2s", "sm/localhost", Action.Start, false, true },
        { "c2s", "sm/localhost", Action.End, false, true },
        { "c2s", "sm/localhost", Action.Auth, false, true },
        { "c2s", "sm/localhost", Action.Create, false, true }, // XEP-0077 registration: sm decides (Sm:Registration:Enabled)
        { "c2s", "sm/localhost", Action.Delete, false, false },
        { "c2s", "sm/localhost", Action.Passwd, false, true }, // a client's own password change: sm checks the session
        { "c2s", "sm/localhost", Action.List, false, false },
        { "c2s", "sm/localhost", Action.Started, false, false },
        { "c2s", "c2s/c2s-2", Action.Start, false, false },
        { "c2s", "c2s/c2s-2", Action.Ended, false, false },
        // admin: account actions to sm only
        { "admin", "sm/localhost", Action.Create, false, true },
        { "admin", "sm/localhost", Action.Delete, false, true },
        { "admin", "sm/localhost", Action.Passwd, false, true },
        { "admin", "sm/localhost", Action.List, false, true },
        { "admin", "sm/localhost", Action.Online, false, true },
        { "admin", "sm/localhost", Action.Kick, false, true },
        { "admin", "sm/localhost", Action.Announce, false, true },
        { "c2s", "sm/localhost", Action.Kick, false, false },
        { "c2s", "sm/localhost", Action.Announce, false, false },
        { "admin", "sm/localhost", Action.Start, false, false },
        { "admin", "sm/localhost", Action.Auth, false, false },
        { "admin", "c2s/c2s-1", Action.Ended, false, false },
        // sm: answers to c2s and ctl, and any request returned failed
        { "sm", "c2s/c2s-1", Action.Started, false, true },
        { "sm", "c2s/c2s-1", Action.Ended, false, true },
        { "sm", "c2s/c2s-1", Action.Authed, false, true },
        { "sm", "c2s/c2s-1", Action.Start, true, true },
        { "sm", "ctl/9f2c61", Action.Created, false, true },
        { "sm", "ctl/9f2c61", Action.Listed, false, true },
        { "sm", "ctl/9f2c61", Action.Create, true, true },
        { "sm", "c2s/c2s-1", Action.Start, false, false },
        { "sm", "ctl/9f2c61", Action.Create, false, false },
        { "sm", "sm/example.org", Action.Started, false, false },
        // XEP-0198 stream management: c2s asks sm, sm answers c2s only
        { "c2s", "sm/localhost", Action.SmEnable, false, true },
        { "c2s", "sm/localhost", Action.SmAck, false, true },
        { "c2s", "sm/localhost", Action.SmRequest, false, true },
        { "c2s", "sm/localhost", Action.Detach, false, true },
        { "c2s", "sm/localhost", Action.Resume, false, true },
        { "c2s", "sm/localhost", Action.Resumed, false, false },
        { "admin", "sm/localhost", Action.Resume, false, false },
        { "sm", "c2s/c2s-1", Action.SmEnabled, false, true },
        { "sm", "c2s/c2s-1", Action.SmAnswer, false, true },
        { "sm", "c2s/c2s-1", Action.Resumed, false, true },
        { "sm", "c2s/c2s-1", Action.Resume, true, true },
        { "sm", "c2s/c2s-1", Action.Resume, false, false },
        { "sm", "ctl/9f2c61", Action.Resumed, false, false },
    };

    [Theory]
    [MemberData(nameof(Sessions))]
    public void Session_actions_follow_the_role(string role, string to, Action action, bool failed, bool allowed)
    {
        var identity = role switch { "c2s" => C2s1, "sm" => Sm, _ => Admin };
        var frame = new Frame { To = to, Session = new Session { Action = action, Failed = failed } };
        Assert.Equal(allowed, LinkPermissions.CheckFrame(identity, frame) is null);
    }

    [Theory]
    [InlineData("c2s", "sm/localhost", true)]
    [InlineData("c2s", "c2s/c2s-2", false)]
    [InlineData("sm", "c2s/c2s-1", true)]
    [InlineData("sm", "ctl/9f2c61", false)]
    [InlineData("sm", "sm/example.org", false)]
    [InlineData("admin", "sm/localhost", false)]
    public void Packets_go_from_c2s_to_sm_and_from_sm_to_c2s(string role, string to, bool allowed)
    {
        var identity = role switch { "c2s" => C2s1, "sm" => Sm, _ => Admin };
        var frame = new Frame { To = to, Packet = new Packet { Kind = "message" } };
        Assert.Equal(allowed, LinkPermissions.CheckFrame(identity, frame) is null);
    }

    [Fact]
    public void Binds_and_component_events_are_not_accepted_after_the_bind()
    {
        Assert.NotNull(LinkPermissions.CheckFrame(Sm, new Frame { To = "c2s/c2s-1", Bind = new Bind { Addresses = { "sm/x" } } }));
        Assert.NotNull(LinkPermissions.CheckFrame(Sm, new Frame { To = "c2s/c2s-1", Component = new ComponentEvent { Address = "sm/x", Up = false } }));
    }

    [Fact]
    public void Only_an_admin_may_watch()
    {
        Assert.True(LinkPermissions.MayWatch(Admin));
        Assert.False(LinkPermissions.MayWatch(C2s1));
        Assert.False(LinkPermissions.MayWatch(Sm));
    }
}
