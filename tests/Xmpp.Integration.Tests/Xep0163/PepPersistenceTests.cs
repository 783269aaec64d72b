using System.Text.RegularExpressions;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Xep0163;

/// <summary>
/// Issue #19: XEP-0402 bookmarks are PEP items in sm's storage, so they are still there after sm
/// restarts (its own cluster, since it kills sm); OMEMO device lists use the open access model.
/// </summary>
public sealed partial class PepPersistenceTests(ITestOutputHelper output)
{
    private const string Bookmarks = "urn:xmpp:bookmarks:1";
    private static readonly TimeSpan RelinkTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The publish-options XEP-0402 §3.3 asks clients to send.</summary>
    private static readonly Dictionary<string, string> BookmarkOptions = new()
    {
        ["pubsub#persist_items"] = "true",
        ["pubsub#max_items"] = "max",
        ["pubsub#send_last_published_item"] = "never",
        ["pubsub#access_model"] = "whitelist",
    };

    [GeneratedRegex(@"Session manager sm/localhost is up")]
    private static partial Regex SmUp();

    [Fact]
    public async Task Bookmarks_are_stored_and_retrieved_after_sm_restarts_and_stay_private()
    {
        await using var cluster = await Cluster.StartAsync();
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 60);
        var aliceAccount = await cluster.NewUserAsync("bm-alice");
        var bobAccount = await cluster.NewUserAsync("bm-bob");
        var alice = await clients.LoginAsync(aliceAccount, cluster.C2s1Port, "phone");

        foreach (var (room, name) in new[] { ("council@conference.localhost", "The Council"), ("orchard@conference.localhost", "Orchard") })
        {
            var answer = await alice.PublishAsync(Bookmarks, room,
                $"<conference xmlns='{Bookmarks}' name='{name}' autojoin='true'><nick>alice</nick></conference>", BookmarkOptions);
            Assert.True(answer.Attr("type") == "result", $"publishing bookmark {room}: {answer.Text()}");
        }

        var c2sLines = cluster.C2sInstances.Select(c => c.LineCount).ToArray();
        cluster.Sm.Kill9();
        await cluster.Sm.Exited.WaitAsync(RelinkTimeout);
        await cluster.RestartSmAsync();
        await Task.WhenAll(cluster.C2sInstances.Select((c, i) => c.WaitForLineAsync(SmUp(), RelinkTimeout, c2sLines[i])));
        await clients.CloseAsync(alice);

        var again = await clients.LoginAsync(aliceAccount, cluster.C2s2Port, "desk");
        var items = await again.GetItemsAsync(null, Bookmarks);
        Assert.True(items.Attr("type") == "result", items.Text());
        var stored = items.Descendants(PepClient.P + "item").ToDictionary(i => i.Attr("id")!, i => i.Elements().Single());
        Assert.Equal(["council@conference.localhost", "orchard@conference.localhost"], stored.Keys.Order());
        Assert.Equal("The Council", stored["council@conference.localhost"].Attr("name"));
        Assert.Equal("alice", stored["council@conference.localhost"].Elements().Single().Value);

        // The node kept the options the client asked for, so the same publish-options still match after the restart.
        var third = await again.PublishAsync(Bookmarks, "third@conference.localhost", $"<conference xmlns='{Bookmarks}' name='Third'/>", BookmarkOptions);
        Assert.True(third.Attr("type") == "result", third.Text());

        var bob = await clients.LoginAsync(bobAccount, cluster.C2s1Port, "desk");
        var refused = await bob.GetItemsAsync(aliceAccount.Jid, Bookmarks);
        Assert.Equal("error", refused.Attr("type"));
        Assert.DoesNotContain("council", refused.ToString());
    }
}
