using System.Text.RegularExpressions;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xmpp.Testing;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Storage;

/// <summary>
/// sm on PostgreSQL (Sm:Storage:Provider=postgres) in the real cluster: a PostgreSQL server of the
/// test's own (Debian's initdb + pg_ctl), two clients on two c2s chatting, and a message stored
/// offline that survives kill -9 of sm and reaches its addressee from the restarted sm.
/// </summary>
public sealed partial class PostgresStorageTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [GeneratedRegex(@"Storage: PostgreSQL")]
    private static partial Regex PostgresInUse();

    [GeneratedRegex(@"Session manager sm/localhost is up")]
    private static partial Regex SmUp();

    [Fact]
    public async Task Clients_chat_and_an_offline_message_survives_an_sm_restart_on_postgresql()
    {
        using var postgres = PostgresServer.Start();
        await using var cluster = await Cluster.StartAsync(new ClusterOptions { SmPostgresConnectionString = postgres.ConnectionString() });
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 60);

        var storageLine = await cluster.Sm.WaitForLineAsync(PostgresInUse(), Timeout);
        Assert.Contains($"127.0.0.1:{postgres.Port}/postgres", storageLine);
        Assert.False(File.Exists(Path.Combine(cluster.DataDirectory, "sm.db")), "sm wrote a SQLite file although its provider is postgres");

        var aliceAccount = await cluster.NewUserAsync("alice");
        var bobAccount = await cluster.NewUserAsync("bob");
        var alice = await clients.LoginAsync(aliceAccount, cluster.C2s1Port, "phone");
        var bob = await clients.LoginAsync(bobAccount, cluster.C2s2Port, "desk");

        await alice.SendAsync($"<message to='{bob.Jid}' type='chat' id='c1'><body>hello over postgres</body></message>");
        Assert.Equal(alice.Jid, (await bob.ExpectAsync(s => s.IsMessage() && s.Body() == "hello over postgres")).Attr("from"));
        await bob.SendAsync($"<message to='{alice.Jid}' type='chat' id='c2'><body>hello back</body></message>");
        Assert.Equal(bob.Jid, (await alice.ExpectAsync(s => s.IsMessage() && s.Body() == "hello back")).Attr("from"));

        await bob.SendAsync("<presence type='unavailable'/>");
        await bob.PingServerAsync();
        await clients.CloseAsync(bob);
        await alice.SendAsync($"<message to='{bobAccount.Jid}' type='chat' id='o1'><body>kept in postgres</body></message>");
        Assert.Equal("result", (await alice.PingServerAsync()).Attr("type")); // answered after sm committed the offline message

        var c2sLines = cluster.C2sInstances.Select(c => c.LineCount).ToArray();
        cluster.Sm.Kill9();
        await cluster.Sm.Exited.WaitAsync(Timeout);
        await cluster.RestartSmAsync();
        await Task.WhenAll(cluster.C2sInstances.Select((c, i) => c.WaitForLineAsync(SmUp(), Timeout, c2sLines[i])));
        await clients.CloseAsync(alice);

        bob = await clients.LoginAsync(bobAccount, cluster.C2s1Port, "desk");
        var stored = await bob.ExpectAsync(s => s.IsMessage() && s.Body() == "kept in postgres");
        Assert.Equal(aliceAccount.Jid + "/phone", stored.Attr("from"));
        Assert.NotNull(stored.DelayStamp());

        foreach (var process in cluster.Processes)
            Assert.DoesNotContain(process.LinesFrom(0), line => line.Contains(postgres.Password, StringComparison.Ordinal));
    }
}
