using System.Xml.Linq;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Archive;

/// <summary>Issue #19: XEP-0313 message archive with XEP-0359 stanza ids, through real sockets on the shared cluster.</summary>
public sealed class ArchiveTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    [Fact]
    public async Task The_with_filter_returns_only_the_conversation_with_that_bare_or_full_jid_and_ids_match_the_delivered_stanza_ids()
    {
        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), C2s1, "phone");
        var bob = await LoginAsync(await Cluster.NewUserAsync("bob"), C2s2, "laptop");
        var carol = await LoginAsync(await Cluster.NewUserAsync("carol"), C2s1, "desk");

        await bob.SendAsync($"<message to='{alice.BareJid}' type='chat' id='b1'><body>bob 1</body></message>");
        var fromBob = await alice.ExpectAsync(s => s.IsMessage() && s.Body() == "bob 1");
        await alice.SendAsync($"<message to='{bob.BareJid}' type='chat' id='a1'><body>alice 1</body></message>");
        await bob.ExpectAsync(s => s.IsMessage() && s.Body() == "alice 1");
        await carol.SendAsync($"<message to='{alice.BareJid}' type='chat' id='c1'><body>carol 1</body></message>");
        await alice.ExpectAsync(s => s.IsMessage() && s.Body() == "carol 1");
        await alice.SendAsync($"<message to='{bob.Jid}' type='chat' id='a2'><body>alice 2</body></message>");
        await bob.ExpectAsync(s => s.IsMessage() && s.Body() == "alice 2");

        var withBob = await alice.QueryArchiveAsync([("with", bob.BareJid)]);
        Assert.Equal(["bob 1", "alice 1", "alice 2"], withBob.Bodies);
        Assert.True(withBob.Complete, withBob.Answer.Text());
        Assert.Equal(3, withBob.Count);
        // The delivered message names its place in alice's archive (XEP-0359), the archive the same id.
        Assert.Equal(fromBob.StanzaId(alice.BareJid), withBob.Ids[0]);
        Assert.Equal(bob.Jid, withBob.Messages[0].Attr("from"));
        Assert.NotNull(withBob.Results[0].Descendants(XName.Get("delay", "urn:xmpp:delay")).Single().Attr("stamp"));

        var withBobsResource = await alice.QueryArchiveAsync([("with", bob.Jid)]);
        Assert.Equal(["bob 1", "alice 2"], withBobsResource.Bodies); // from bob/laptop, and the one sent to bob/laptop

        var withCarol = await alice.QueryArchiveAsync([("with", carol.BareJid)]);
        Assert.Equal(["carol 1"], withCarol.Bodies);

        var bobs = await bob.QueryArchiveAsync([("with", alice.BareJid)]);
        Assert.Equal(["bob 1", "alice 1", "alice 2"], bobs.Bodies);
    }

    [Fact]
    public async Task Prefs_never_keep_messages_out_of_the_archive_and_off_the_stanza_ids_while_the_peer_still_archives()
    {
        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), C2s1, "phone");
        var bob = await LoginAsync(await Cluster.NewUserAsync("bob"), C2s2, "laptop");

        var set = await alice.IqAsync("set", "<prefs xmlns='urn:xmpp:mam:2' default='never'><always/><never/></prefs>");
        Assert.Equal("result", set.Attr("type"));
        var get = await alice.IqAsync("get", "<prefs xmlns='urn:xmpp:mam:2'/>");
        Assert.Equal("never", get.Element(XName.Get("prefs", ArchivePage.Mam))?.Attr("default"));

        await bob.SendAsync($"<message to='{alice.BareJid}' type='chat' id='p1'><body>not for the record</body></message>");
        var received = await alice.ExpectAsync(s => s.IsMessage() && s.Body() == "not for the record");
        Assert.Null(received.StanzaId(alice.BareJid));
        Assert.NotNull(received.StanzaId(bob.BareJid)); // bob's archive kept it

        var alices = await alice.QueryArchiveAsync([("with", bob.BareJid)]);
        Assert.Empty(alices.Results);
        Assert.True(alices.Complete);
        var bobs = await bob.QueryArchiveAsync([("with", alice.BareJid)]);
        Assert.Equal(["not for the record"], bobs.Bodies);

        // An always list beats the default: bob is archived again, carol is not.
        await alice.IqAsync("set", $"<prefs xmlns='urn:xmpp:mam:2' default='never'><always><jid>{bob.BareJid}</jid></always></prefs>");
        await bob.SendAsync($"<message to='{alice.BareJid}' type='chat' id='p2'><body>for the record</body></message>");
        await alice.ExpectAsync(s => s.IsMessage() && s.Body() == "for the record");
        Assert.Equal(["for the record"], (await alice.QueryArchiveAsync([("with", bob.BareJid)])).Bodies);
    }

    [Fact]
    public async Task A_stanza_id_a_client_forges_for_our_domain_is_removed_and_others_archives_are_forbidden()
    {
        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), C2s1, "phone");
        var bob = await LoginAsync(await Cluster.NewUserAsync("bob"), C2s2, "laptop");

        await bob.SendAsync($"<message to='{alice.BareJid}' type='chat' id='f1'><body>forged</body>" +
            $"<stanza-id xmlns='urn:xmpp:sid:0' by='{alice.BareJid}' id='forged-id'/><stanza-id xmlns='urn:xmpp:sid:0' by='other.example' id='theirs'/></message>");
        var received = await alice.ExpectAsync(s => s.IsMessage() && s.Body() == "forged");
        var ids = received.Elements(XName.Get("stanza-id", "urn:xmpp:sid:0")).ToList();
        Assert.DoesNotContain(ids, s => s.Attr("id") == "forged-id");
        Assert.Contains(ids, s => s.Attr("by") == "other.example" && s.Attr("id") == "theirs"); // not ours to judge
        Assert.Single(ids, s => s.Attr("by") == alice.BareJid);

        var answer = await bob.IqAsync("set", "<query xmlns='urn:xmpp:mam:2'/>", to: alice.BareJid);
        Assert.Equal("error", answer.Attr("type"));
        Assert.Equal("forbidden", answer.ErrorCondition());

        var unknown = await alice.QueryArchiveAsync(rsm: "<max>2</max><after>no-such-id</after>", expectResult: false);
        Assert.Equal("item-not-found", unknown.Answer.ErrorCondition());
    }

    [Fact]
    public async Task Disco_on_the_account_lists_mam_and_stanza_ids_and_the_server_lists_carbons()
    {
        var alice = await LoginAsync(await Cluster.NewUserAsync("alice"), C2s1, "phone");
        var account = await alice.IqAsync("get", "<query xmlns='http://jabber.org/protocol/disco#info'/>", to: alice.BareJid);
        var accountFeatures = account.Descendants(XName.Get("feature", "http://jabber.org/protocol/disco#info")).Select(f => f.Attr("var")).ToList();
        Assert.Contains("urn:xmpp:mam:2", accountFeatures);
        Assert.Contains("urn:xmpp:mam:2#extended", accountFeatures);
        Assert.Contains("urn:xmpp:sid:0", accountFeatures);
        var server = await alice.IqAsync("get", "<query xmlns='http://jabber.org/protocol/disco#info'/>", to: Cluster.Domain);
        Assert.Contains("urn:xmpp:carbons:2", server.Descendants(XName.Get("feature", "http://jabber.org/protocol/disco#info")).Select(f => f.Attr("var")));
    }
}
