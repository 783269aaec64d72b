using System.Xml.Linq;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Profile;

/// <summary>XEP-0049 private XML storage through real sockets.</summary>
public sealed class PrivateStorageTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    private static readonly XNamespace P = ProfileClient.PrivateNs;
    private static readonly XNamespace Notes = "storage:rosternotes";

    [Fact]
    public async Task Xep0049_a_fragment_stored_by_one_resource_is_read_back_by_another_and_unknown_ones_come_back_empty()
    {
        var account = await Cluster.NewUserAsync("juliet");
        var balcony = await LoginAsync(account, C2s1, "balcony");
        (await balcony.IqAsync("set", "<query xmlns='jabber:iq:private'><storage xmlns='storage:rosternotes'><note jid='romeo@localhost'>likes roses</note></storage></query>")).AssertResult();

        var chamber = await LoginAsync(account, C2s2, "chamber");
        var got = await chamber.IqAsync("get", "<query xmlns='jabber:iq:private'><storage xmlns='storage:rosternotes'/></query>");
        got.AssertResult();
        Assert.Equal("likes roses", got.Element(P + "query")?.Element(Notes + "storage")?.Element(Notes + "note")?.Value);

        var empty = await chamber.IqAsync("get", "<query xmlns='jabber:iq:private'><prefs xmlns='urn:example:never-stored'/></query>");
        empty.AssertResult();
        var prefs = empty.Element(P + "query")?.Element(XName.Get("prefs", "urn:example:never-stored"));
        Assert.True(prefs is { HasElements: false }, empty.Text());
    }

    [Fact]
    public async Task Xep0049_another_users_storage_reserved_namespaces_and_an_empty_get_are_refused()
    {
        var juliet = await LoginAsync(await Cluster.NewUserAsync("juliet"), C2s1);
        var romeo = await LoginAsync(await Cluster.NewUserAsync("romeo"), C2s2);
        (await romeo.IqAsync("get", "<query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'/></query>", to: juliet.BareJid)).AssertError("forbidden");
        (await romeo.IqAsync("set", "<query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'/></query>", to: juliet.BareJid)).AssertError("forbidden");
        (await juliet.IqAsync("set", "<query xmlns='jabber:iq:private'><query xmlns='jabber:iq:roster'/></query>")).AssertError("not-acceptable");
        (await juliet.IqAsync("get", "<query xmlns='jabber:iq:private'/>")).AssertError("bad-request");
    }
}
