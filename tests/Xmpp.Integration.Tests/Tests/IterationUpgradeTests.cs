using System.Globalization;
using System.Text;
using Xmpp.Common;
using Xmpp.Common.Sasl;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xmpp.Integration.Tests.Observability;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>A cluster whose sm is configured with another PBKDF2 count (5000) than xmppctl's default (4096) makes accounts with; no lockouts.</summary>
public sealed class IterationUpgradeCluster : IAsyncLifetime
{
    public const int Configured = 5000;
    public Cluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await Cluster.StartAsync(new ClusterOptions
    {
        C2sCount = 1,
        ExtraArgs = new Dictionary<string, string[]>
        {
            ["c2s"] = ["--C2s:AuthIpFreeFailures=100000"],
            ["sm"] = [$"--Sm:ScramIterations={Configured}", "--Sm:AuthAccountFreeFailures=100000"],
        },
    });

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>
/// Issue 18, "changing the iteration count takes effect on each account's next login", through real
/// processes: an account whose keys have a stale count keeps them through SCRAM logins (the server
/// never sees the password; sm counts them) and through a wrong PLAIN password, and gets keys at the
/// configured count at its first right PLAIN login, after which SCRAM-SHA-1 and SCRAM-SHA-256
/// announce the new count and still accept the same password.
/// </summary>
public sealed class IterationUpgradeTests(IterationUpgradeCluster fixture, ITestOutputHelper output) : IClassFixture<IterationUpgradeCluster>, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private Cluster Cluster => fixture.Cluster;
    private int Port => Cluster.C2s1Port;

    public Task InitializeAsync() => Task.CompletedTask;
    public Task DisposeAsync()
    {
        output.WriteLine(Cluster.OutputTail(40));
        return Task.CompletedTask;
    }

    private async Task<TestClient> SecuredStreamAsync(string name)
    {
        var client = await TestClient.ConnectAsync(Port, name, () => Cluster.OutputTail());
        await client.OpenStreamAsync();
        await client.StartTlsAsync();
        return client;
    }

    /// <summary>The iteration count (i=) a SCRAM server-first-message announces for <paramref name="account"/>; the exchange is then aborted.</summary>
    private async Task<int> AnnouncedIterationsAsync(Account account, string mechanism)
    {
        await using var client = await SecuredStreamAsync("probe");
        var scram = new ScramClient(ScramAlgorithm.ByMechanism(mechanism)!, account.Local, "whatever");
        await client.SendAsync($"<auth xmlns='{Ns.Sasl}' mechanism='{mechanism}'>{Convert.ToBase64String(Encoding.UTF8.GetBytes(scram.ClientFirst()))}</auth>");
        var challenge = await client.ExpectAsync(e => e.Name.NamespaceName == Ns.Sasl && e.Name.LocalName == "challenge", TestClient.DefaultTimeout, "<challenge/>");
        var serverFirst = Encoding.UTF8.GetString(Convert.FromBase64String(challenge.Value));
        await client.SendAsync($"<abort xmlns='{Ns.Sasl}'/>");
        await client.ExpectAsync(e => e.Name.NamespaceName == Ns.Sasl && e.Name.LocalName == "failure", TestClient.DefaultTimeout, "<failure><aborted/></failure>");
        return int.Parse(serverFirst.Split(',').Single(p => p.StartsWith("i=", StringComparison.Ordinal))[2..], CultureInfo.InvariantCulture);
    }

    private async Task<(int Sha256, int Sha1)> AnnouncedAsync(Account account) =>
        (await AnnouncedIterationsAsync(account, "SCRAM-SHA-256"), await AnnouncedIterationsAsync(account, "SCRAM-SHA-1"));

    private async Task<double> SmCounterAsync(string metric, params string[] labels) =>
        Scrape.Value(await Scrape.MetricsAsync(Cluster.MetricsPortOf(Cluster.Sm)), metric, labels) ?? 0;

    [Fact]
    public async Task A_plain_login_moves_a_stale_account_to_the_configured_count_and_scram_logins_still_work()
    {
        const int Configured = IterationUpgradeCluster.Configured;
        var old = ScramAlgorithm.DefaultIterations;
        var grace = await Cluster.NewUserAsync("grace"); // xmppctl's default count
        Assert.Equal((old, old), await AnnouncedAsync(grace));

        // SCRAM logins cannot upgrade (the password stays with the client): they work, keep the count, and are counted.
        var staleBefore = await SmCounterAsync("xmpp_sm_auth_stale_iterations_total");
        foreach (var mechanism in new[] { "SCRAM-SHA-256", "SCRAM-SHA-1" })
            await using (await Cluster.LoginAsync(grace, Port, mechanism, mechanism)) { }
        Assert.Equal((old, old), await AnnouncedAsync(grace));
        await Scrape.UntilAsync(Cluster.MetricsPortOf(Cluster.Sm),
            m => Scrape.Value(m, "xmpp_sm_auth_stale_iterations_total") >= staleBefore + 2, Timeout, "two stale-count logins");

        // A wrong PLAIN password changes nothing.
        await using (var wrong = await SecuredStreamAsync("wrong"))
        {
            var result = await wrong.AuthenticateAsync(grace.Local, "not " + grace.Password, "PLAIN", restart: false);
            Assert.Equal("not-authorized", result.Condition);
        }
        Assert.Equal((old, old), await AnnouncedAsync(grace));

        // The right PLAIN password: new keys at the configured count, for both mechanisms.
        var rehashedBefore = await SmCounterAsync("xmpp_sm_auth_rehashed_total");
        await using (await Cluster.LoginAsync(grace, Port, "plain", "PLAIN")) { }
        Assert.Equal((Configured, Configured), await AnnouncedAsync(grace));
        await Scrape.UntilAsync(Cluster.MetricsPortOf(Cluster.Sm), // the exporter caches a scrape briefly: poll
            m => Scrape.Value(m, "xmpp_sm_auth_rehashed_total") == rehashedBefore + 1, Timeout, "one re-derivation");

        // The same password still logs in with every mechanism, and the count stays.
        foreach (var mechanism in new[] { "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN" })
            await using (await Cluster.LoginAsync(grace, Port, mechanism, mechanism)) { }
        Assert.Equal((Configured, Configured), await AnnouncedAsync(grace));

        // An unknown account announces the configured count, like every upgraded one.
        Assert.Equal((Configured, Configured), await AnnouncedAsync(Cluster.UnknownUser("ghost")));
    }
}
