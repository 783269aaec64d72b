using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Profile;

/// <summary>XEP-0054 vcard-temp through real sockets: set by the owner, read by anyone, kept by sm across restarts.</summary>
public sealed partial class VCardTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    private static readonly XNamespace V = ProfileClient.VCardNs;

    private const string PhotoVCard =
        "<vCard xmlns='vcard-temp'><FN>Juliet Capulet</FN><NICKNAME>JuliC</NICKNAME>" +
        "<PHOTO><TYPE>image/png</TYPE><BINVAL>iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==</BINVAL></PHOTO></vCard>";

    [Fact]
    public async Task Xep0054_a_vcard_set_by_its_owner_is_read_by_the_owner_and_by_another_user()
    {
        var juliet = await LoginAsync(await Cluster.NewUserAsync("juliet"), C2s1, "balcony");
        var romeo = await LoginAsync(await Cluster.NewUserAsync("romeo"), C2s2, "orchard");

        // before any set: an empty vCard, for the owner and for others (XEP-0054 §3.1)
        var none = await romeo.IqAsync("get", "<vCard xmlns='vcard-temp'/>", to: juliet.BareJid);
        none.AssertResult();
        Assert.False(none.Element(V + "vCard")!.HasElements, none.Text());

        (await juliet.IqAsync("set", PhotoVCard)).AssertResult();

        var own = await juliet.IqAsync("get", "<vCard xmlns='vcard-temp'/>");
        own.AssertResult();
        Assert.Equal("Juliet Capulet", own.Element(V + "vCard")?.Element(V + "FN")?.Value);

        var other = await romeo.IqAsync("get", "<vCard xmlns='vcard-temp'/>", to: juliet.BareJid);
        other.AssertResult();
        Assert.Equal(juliet.BareJid, other.Attr("from"));
        var card = other.Element(V + "vCard")!;
        Assert.Equal("JuliC", card.Element(V + "NICKNAME")?.Value);
        Assert.StartsWith("iVBORw0KGgo", card.Element(V + "PHOTO")?.Element(V + "BINVAL")?.Value);
    }

    [Fact]
    public async Task Xep0054_nobody_sets_another_users_vcard_and_an_unknown_account_has_none()
    {
        var juliet = await LoginAsync(await Cluster.NewUserAsync("juliet"), C2s1);
        var romeo = await LoginAsync(await Cluster.NewUserAsync("romeo"), C2s2);

        (await romeo.IqAsync("set", "<vCard xmlns='vcard-temp'><FN>Not Juliet</FN></vCard>", to: juliet.BareJid)).AssertError("forbidden");
        (await romeo.IqAsync("get", "<vCard xmlns='vcard-temp'/>", to: Cluster.UnknownUser("ghost").Jid)).AssertError("service-unavailable");
        var card = await juliet.IqAsync("get", "<vCard xmlns='vcard-temp'/>");
        Assert.False(card.Element(V + "vCard")!.HasElements, card.Text());
    }

    [Fact]
    public async Task Xep0054_a_vcard_larger_than_the_limit_is_refused_and_the_old_one_kept()
    {
        var juliet = await LoginAsync(await Cluster.NewUserAsync("juliet"), C2s1);
        (await juliet.IqAsync("set", "<vCard xmlns='vcard-temp'><FN>Small</FN></vCard>")).AssertResult();
        var huge = new string('A', 70 * 1024); // above the 64 KiB default of Sm:VCard:MaxBytes, below the stanza limit
        (await juliet.IqAsync("set", $"<vCard xmlns='vcard-temp'><PHOTO><BINVAL>{huge}</BINVAL></PHOTO></vCard>")).AssertError("not-acceptable");
        var card = await juliet.IqAsync("get", "<vCard xmlns='vcard-temp'/>");
        Assert.Equal("Small", card.Element(V + "vCard")?.Element(V + "FN")?.Value);
    }

    [GeneratedRegex(@"Session manager sm/localhost is up")]
    private static partial Regex SmUp();

    [Fact]
    public async Task Xep0054_a_vcard_is_still_there_after_sm_restarts()
    {
        await using var cluster = await Cluster.StartAsync();
        await using var clients = new OwnClusterClients(cluster, Output, tailLines: 60);
        var julietAccount = await cluster.NewUserAsync("juliet");
        var juliet = await clients.LoginAsync(julietAccount, cluster.C2s1Port);
        (await juliet.IqAsync("set", PhotoVCard)).AssertResult(); // answered after the commit

        var c2sLines = cluster.C2sInstances.Select(c => c.LineCount).ToArray();
        cluster.Sm.Kill9();
        await cluster.Sm.Exited.WaitAsync(TimeSpan.FromSeconds(30));
        await cluster.RestartSmAsync();
        await Task.WhenAll(cluster.C2sInstances.Select((c, i) => c.WaitForLineAsync(SmUp(), TimeSpan.FromSeconds(30), c2sLines[i])));
        await clients.CloseAsync(juliet);

        var romeo = await clients.LoginAsync(await cluster.NewUserAsync("romeo"), cluster.C2s2Port);
        var card = await romeo.IqAsync("get", "<vCard xmlns='vcard-temp'/>", to: julietAccount.Jid);
        card.AssertResult();
        Assert.Equal("Juliet Capulet", card.Element(V + "vCard")?.Element(V + "FN")?.Value);
    }
}
