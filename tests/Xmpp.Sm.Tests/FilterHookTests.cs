using Xmpp.Common;
using Xmpp.Sm.Core;
using Xmpp.Sm.Modules;
using Xmpp.Sm.Routing;
using static Xmpp.Sm.Tests.SmHarness;

namespace Xmpp.Sm.Tests;

/// <summary>
/// The two filter hooks of the module contract: <see cref="StanzaRouter.FilterHook"/> sees a
/// stanza to another entity before any other hook (and never one to the own account), and the
/// delivery filters see every stanza sm delivers, including the presence broadcasts no routing hook sees.
/// </summary>
public sealed class FilterHookTests
{
    /// <summary>Refuses stanzas to "wall@localhost" on the routing filter; stops every delivery to "deaf@localhost".</summary>
    private sealed class WallModule(SmContext ctx) : IModule
    {
        public List<string> Filtered { get; } = [];
        public string Name => "wall";

        public void Load(HookTable hooks)
        {
            hooks.Hook(StanzaRouter.FilterHook, e =>
            {
                Filtered.Add(e.ToString());
                if (e.To!.Local != "wall") return false;
                ctx.ReplyError(e, "not-allowed");
                return true;
            });
            hooks.FilterDelivery((to, from, kind, type) => to.BareJid.Local != "deaf");
        }
    }

    private static (SmHarness H, WallModule Wall) Start()
    {
        WallModule? wall = null;
        var h = new SmHarness(modules: ctx => [wall = new WallModule(ctx), .. ModuleList.Create(ctx)]);
        foreach (var user in new[] { "alice", "wall", "deaf" }) h.CreateUser(user);
        return (h, wall!);
    }

    [Fact]
    public void The_routing_filter_refuses_before_delivery_and_offline_storage()
    {
        var (h, wall) = Start();
        using var _ = h;
        var alice = h.Online("alice@localhost/phone");

        var answer = SingleStanzaTo(h.Send(alice, "<message to='wall@localhost' type='chat'><body>hi</body></message>"), alice);

        Assert.Equal("not-allowed", ErrorCondition(answer));
        Assert.Equal(0, ((Storage.IOfflineStore)h.Storage).Count("wall@localhost"));
    }

    [Fact]
    public void The_routing_filter_does_not_see_stanzas_to_the_own_account()
    {
        var (h, wall) = Start();
        using var _ = h;
        var alice = h.Online("alice@localhost/phone");
        wall.Filtered.Clear();

        h.Send(alice, $"<iq type='get' id='r1'><query xmlns='{Ns.Roster}'/></iq>");

        Assert.Empty(wall.Filtered);
    }

    [Fact]
    public void A_delivery_filter_stops_what_no_routing_hook_sees_a_presence_broadcast()
    {
        var (h, _) = Start();
        using var __ = h;
        var deaf = h.Online("deaf@localhost/ear");
        var other = h.Start("deaf@localhost/other");

        var frames = h.Send(other, "<presence/>"); // broadcast to the user's own resources (and echoed)

        Assert.Empty(StanzasTo(frames, deaf));
        Assert.Empty(StanzasTo(frames, other));
    }
}
