using Xmpp.Common;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;
using static Xmpp.Integration.Tests.Rfc6121.ImClient;

namespace Xmpp.Integration.Tests.Rfc6121;

/// <summary>RFC 6121 §2, roster management, over real sockets.</summary>
public sealed class Rfc6121RosterTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    [Fact]
    public async Task Rfc6121_2_3_roster_set_is_pushed_to_every_interested_resource_and_get_returns_names_and_groups()
    {
        var account = await Cluster.NewUserAsync("juliet");
        var balcony = await LoginAsync(account, C2s1, "balcony");
        var chamber = await LoginAsync(account, C2s2, "chamber");
        var quiet = await LoginAsync(account, C2s2, "quiet"); // never asks for the roster: not interested
        Assert.Empty((await balcony.GetRosterAsync()).Child(Ns.Roster, "query")!.Elements());
        await chamber.GetRosterAsync();

        // C: <iq type='set'><query xmlns='jabber:iq:roster'><item jid='nurse@localhost' name='Nurse'><group>Servants</group></item></query></iq>
        var result = await balcony.SetRosterAsync("<item jid='nurse@localhost' name='Nurse'><group>Servants</group></item>", "ph1xaz53");
        Assert.Equal("result", result.Attr("type"));

        // S: <iq type='set'><query xmlns='jabber:iq:roster' ver='...'><item jid='nurse@localhost' name='Nurse' subscription='none'><group>Servants</group></item></query></iq>
        foreach (var resource in new[] { balcony, chamber })
        {
            var item = (await resource.ExpectPushAsync("nurse@localhost", "none")).PushedItem()!;
            Assert.Equal("Nurse", item.Attr("name"));
            Assert.Equal("Servants", Assert.Single(item.Elements()).Value);
        }
        await AssertNothingAsync(balcony, quiet, s => s.PushedItem() is not null, "a roster push (it never asked for the roster)");

        var roster = await quiet.GetRosterAsync();
        var got = Assert.Single(roster.Child(Ns.Roster, "query")!.Elements());
        // S: <item jid='nurse@localhost' name='Nurse' subscription='none'><group>Servants</group></item>
        Assert.Equal(("nurse@localhost", "Nurse", "none", "Servants"), (got.Attr("jid"), got.Attr("name"), got.Attr("subscription"), got.Elements().Single().Value));
    }

    [Fact]
    public async Task Rfc6121_2_3_3_roster_set_errors_carry_the_id_and_the_rfcs_condition()
    {
        var juliet = await LoginAsync(await Cluster.NewUserAsync("juliet"), C2s1);
        var tooLong = new string('n', 1024);
        (string Items, string Condition, string Type)[] cases =
        [
            ("<item jid='a@localhost'/><item jid='b@localhost'/>", "bad-request", "modify"),          // more than one item
            ("<item jid='a@localhost'><group>G</group><group>G</group></item>", "bad-request", "modify"), // duplicate group
            ("<item jid='a@localhost'><group/></item>", "not-acceptable", "modify"),                  // empty group
            ($"<item jid='a@localhost' name='{tooLong}'/>", "not-acceptable", "modify"),             // name too long
            ($"<item jid='a@localhost'><group>{tooLong}</group></item>", "not-acceptable", "modify"), // group too long
            ("<item jid='a@b@c'/>", "jid-malformed", "modify"),
            ("<item jid='nobody@localhost' subscription='remove'/>", "item-not-found", "cancel"),     // §2.5.3
        ];
        var n = 0;
        foreach (var (items, condition, type) in cases)
        {
            var id = $"bad-{++n}";
            var error = await juliet.SetRosterAsync(items, id);
            Assert.Equal("error", error.Attr("type"));
            Assert.Equal(id, error.Attr("id"));
            Assert.Equal(condition, error.ErrorCondition());
            Assert.Equal(type, error.Elements().Single(e => e.Name.LocalName == "error").Attr("type"));
        }
        Assert.Empty((await juliet.GetRosterAsync()).Child(Ns.Roster, "query")!.Elements());

        // someone else's roster: <forbidden/>
        var other = await Cluster.NewUserAsync("romeo");
        await juliet.SendAsync($"<iq type='get' id='peek' to='{other.Jid}'><query xmlns='jabber:iq:roster'/></iq>");
        var forbidden = await juliet.ExpectAsync(s => s.IsIq() && s.Attr("id") == "peek");
        Assert.Equal("forbidden", forbidden.ErrorCondition());
    }

    [Fact]
    public async Task Rfc6121_2_5_roster_remove_is_pushed_with_subscription_remove()
    {
        var juliet = await LoginAsync(await Cluster.NewUserAsync("juliet"), C2s1);
        await juliet.GetRosterAsync();
        await juliet.SetRosterAsync("<item jid='nurse@localhost'/>");
        await juliet.ExpectPushAsync("nurse@localhost", "none");

        var result = await juliet.SetRosterAsync("<item jid='nurse@localhost' subscription='remove'/>", "hm4hs97y");

        Assert.Equal("result", result.Attr("type"));
        await juliet.ExpectPushAsync("nurse@localhost", "remove");
        Assert.Empty((await juliet.GetRosterAsync()).Child(Ns.Roster, "query")!.Elements());
    }

    [Fact]
    public async Task Rfc6121_2_6_roster_versioning_a_current_ver_gets_an_empty_result_and_then_only_pushes()
    {
        var account = await Cluster.NewUserAsync("juliet");
        var first = await LoginAsync(account, C2s1, "first");
        var initial = await first.GetRosterAsync(ver: "");
        var ver = initial.Child(Ns.Roster, "query")!.Attr("ver");
        Assert.False(string.IsNullOrEmpty(ver), $"no ver in {initial.Text()}");
        await first.SetRosterAsync("<item jid='nurse@localhost' name='Nurse'/>");
        var push = await first.ExpectPushAsync("nurse@localhost", "none");
        var current = push.Child(Ns.Roster, "query")!.Attr("ver")!;
        Assert.NotEqual(ver, current);

        // a second client with the current version: S: <iq type='result' id='...'/> - no query at all
        var second = await LoginAsync(account, C2s2, "second");
        var empty = await second.GetRosterAsync(ver: current);
        Assert.Equal("result", empty.Attr("type"));
        Assert.Empty(empty.Elements());
        // ... and from then on, pushes for the later changes only
        await first.SetRosterAsync("<item jid='tybalt@localhost'/>");
        var later = await second.ExpectPushAsync("tybalt@localhost", "none");
        Assert.NotEqual(current, later.Child(Ns.Roster, "query")!.Attr("ver"));
        Assert.DoesNotContain(second.History, s => s.PushedItem()?.Attr("jid") == "nurse@localhost");

        // a stale version gets the whole roster with the new version
        var full = (await second.GetRosterAsync(ver: ver)).Child(Ns.Roster, "query")!;
        Assert.Equal(later.Child(Ns.Roster, "query")!.Attr("ver"), full.Attr("ver"));
        Assert.Equal(["nurse@localhost", "tybalt@localhost"], full.Elements().Select(i => i.Attr("jid")!).Order());
    }

    [Fact]
    public async Task Rfc6121_2_roster_size_limit_answers_not_allowed_with_a_text()
    {
        // Sm:RosterLimit is 1000 by default: fill the roster over the socket (pipelined, no pushes: the client is not interested).
        var juliet = await LoginAsync(await Cluster.NewUserAsync("juliet"), C2s1);
        const int limit = 1000;
        var batch = new System.Text.StringBuilder();
        for (var i = 0; i < limit; i++)
            batch.Append($"<iq type='set' id='fill-{i}'><query xmlns='jabber:iq:roster'><item jid='contact{i}@localhost'/></query></iq>");
        await juliet.SendAsync(batch.ToString());
        await juliet.ExpectAsync(s => s.IsIq() && s.Attr("id") == $"fill-{limit - 1}", TimeSpan.FromSeconds(60));
        Assert.All(juliet.History.Where(s => s.Attr("id")?.StartsWith("fill-") == true), s => Assert.Equal("result", s.Attr("type")));

        var error = await juliet.SetRosterAsync("<item jid='one-too-many@localhost'/>", "over");

        Assert.Equal("over", error.Attr("id"));
        Assert.Equal("not-allowed", error.ErrorCondition());
        var errorElement = error.Elements().Single(e => e.Name.LocalName == "error");
        Assert.Equal("cancel", errorElement.Attr("type"));
        Assert.Contains("at most 1000", errorElement.Value);
        // updating an existing item still works
        Assert.Equal("result", (await juliet.SetRosterAsync("<item jid='contact7@localhost' name='Seven'/>")).Attr("type"));
    }
}
