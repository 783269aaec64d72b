using System.Text.RegularExpressions;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Archive;

/// <summary>
/// Issue #19, judged: an archive query returns the right page after sm restarts. Its own cluster,
/// since it stops sm.
/// </summary>
public sealed partial class ArchiveRestartTests(ITestOutputHelper output)
{
    private static readonly TimeSpan RelinkTimeout = TimeSpan.FromSeconds(30);

    [GeneratedRegex(@"Session manager sm/localhost is up")]
    private static partial Regex SmUp();

    [Fact]
    public async Task After_sm_restarts_the_archive_pages_by_max_after_and_before_with_the_right_fin()
    {
        await using var cluster = await Cluster.StartAsync();
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 60);
        var aliceAccount = await cluster.NewUserAsync("alice");
        var bobAccount = await cluster.NewUserAsync("bob");

        var alice = await clients.LoginAsync(aliceAccount, cluster.C2s1Port, "phone");
        var bob = await clients.LoginAsync(bobAccount, cluster.C2s2Port, "laptop");
        for (var i = 1; i <= 5; i++)
        {
            var (from, to) = i % 2 == 1 ? (alice, bob) : (bob, alice);
            await from.SendAsync($"<message to='{to.BareJid}' type='chat' id='m{i}'><body>message {i}</body></message>");
            await to.ExpectAsync(s => s.IsMessage() && s.Body() == $"message {i}");
        }
        await clients.CloseAsync(alice);
        await clients.CloseAsync(bob);

        var c2sLines = cluster.C2sInstances.Select(c => c.LineCount).ToArray();
        Assert.Equal(0, await cluster.Sm.TerminateAsync(RelinkTimeout));
        await cluster.RestartSmAsync();
        await Task.WhenAll(cluster.C2sInstances.Select((c, i) => c.WaitForLineAsync(SmUp(), RelinkTimeout, c2sLines[i])));

        alice = await clients.LoginAsync(aliceAccount, cluster.C2s2Port, "tablet");
        var with = new[] { ("with", bobAccount.Jid) };

        var first = await alice.QueryArchiveAsync(with, "<max>2</max>");
        Assert.Equal(["message 1", "message 2"], first.Bodies);
        Assert.False(first.Complete, first.Answer.Text());
        Assert.Equal(5, first.Count);
        Assert.Equal("0", first.FirstIndex);
        Assert.Equal(first.Ids[0], first.First);
        Assert.Equal(first.Ids[1], first.Last);
        Assert.Equal($"{aliceAccount.Jid}/phone", first.Messages[0].Attr("from"));
        Assert.Equal($"{bobAccount.Jid}/laptop", first.Messages[1].Attr("from"));

        var second = await alice.QueryArchiveAsync(with, $"<max>2</max><after>{first.Last}</after>");
        Assert.Equal(["message 3", "message 4"], second.Bodies);
        Assert.False(second.Complete);
        Assert.Equal("2", second.FirstIndex);

        var third = await alice.QueryArchiveAsync(with, $"<max>2</max><after>{second.Last}</after>");
        Assert.Equal(["message 5"], third.Bodies);
        Assert.True(third.Complete, third.Answer.Text());

        var last = await alice.QueryArchiveAsync(with, "<max>2</max><before/>");
        Assert.Equal(["message 4", "message 5"], last.Bodies);
        Assert.False(last.Complete); // more before it
        Assert.Equal("3", last.FirstIndex);

        var beforeLast = await alice.QueryArchiveAsync(with, $"<max>2</max><before>{last.First}</before>");
        Assert.Equal(["message 2", "message 3"], beforeLast.Bodies);
        var start = await alice.QueryArchiveAsync(with, $"<max>2</max><before>{beforeLast.First}</before>");
        Assert.Equal(["message 1"], start.Bodies);
        Assert.True(start.Complete); // paging backwards, it reached the start

        // mam#extended: the messages between two known ones, and by id.
        var between = await alice.QueryArchiveAsync([.. with, ("after-id", first.Ids[0]), ("before-id", last.Ids[1])]);
        Assert.Equal(["message 2", "message 3", "message 4"], between.Bodies);
        var byIds = await alice.QueryArchiveAsync([("ids", second.Ids[1])]);
        Assert.Equal(["message 4"], byIds.Bodies);

        Assert.False(cluster.Router.HasExited || cluster.C2s1.HasExited || cluster.C2s2.HasExited, $"a process died\n{cluster.OutputTail()}");
    }
}
