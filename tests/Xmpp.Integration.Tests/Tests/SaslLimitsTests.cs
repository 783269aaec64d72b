using System.Diagnostics;
using System.Net;
using System.Text;
using Xmpp.Common;
using Xmpp.Common.Sasl;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xmpp.Integration.Tests.Observability;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>A cluster with small SASL limits, so that back-offs show within a test.</summary>
public sealed class SaslLimitsCluster : IAsyncLifetime
{
    public const int IpFreeFailures = 3;
    public static readonly TimeSpan IpBackoff = TimeSpan.FromMilliseconds(50);
    public static readonly TimeSpan IpMaxBackoff = TimeSpan.FromSeconds(1);
    public const int AccountFreeFailures = 5;
    public static readonly TimeSpan AccountBackoff = TimeSpan.FromSeconds(1);

    public Cluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await Cluster.StartAsync(new ClusterOptions
    {
        C2sCount = 1,
        ExtraArgs = new Dictionary<string, string[]>
        {
            ["c2s"] = [$"--C2s:AuthIpFreeFailures={IpFreeFailures}", $"--C2s:AuthIpBackoff={IpBackoff}", $"--C2s:AuthIpMaxBackoff={IpMaxBackoff}"],
            ["sm"] = [$"--Sm:AuthAccountFreeFailures={AccountFreeFailures}", $"--Sm:AuthAccountBackoff={AccountBackoff}", "--Sm:AuthAccountMaxBackoff=00:00:04"],
        },
    });

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>
/// Issue 18, abuse limits, through real processes: failed SASL attempts per client address (c2s)
/// are answered ever later, without slowing anyone's correct login; failures per account (sm)
/// lock it for a back-off that expires; &lt;abort/&gt; counts as a failure.
/// </summary>
public sealed class SaslLimitsTests(SaslLimitsCluster fixture, ITestOutputHelper output) : IClassFixture<SaslLimitsCluster>, IAsyncLifetime
{
    private Cluster Cluster => fixture.Cluster;
    private int Port => Cluster.C2s1Port;

    public Task InitializeAsync() => Task.CompletedTask;
    public Task DisposeAsync()
    {
        output.WriteLine(Cluster.OutputTail(40));
        return Task.CompletedTask;
    }

    /// <summary>One SASL attempt on a fresh TLS stream from <paramref name="from"/>; the time is from &lt;auth&gt; to the server's answer.</summary>
    private async Task<(SaslResult Result, TimeSpan Took)> AttemptAsync(IPAddress from, string user, string password, string mechanism = "PLAIN")
    {
        await using var client = await TestClient.ConnectAsync(Port, $"{user} from {from}", () => Cluster.OutputTail(), from);
        await client.OpenStreamAsync();
        await client.StartTlsAsync();
        var sw = Stopwatch.StartNew();
        var result = await client.AuthenticateAsync(user, password, mechanism, restart: false);
        return (result, sw.Elapsed);
    }

    private static IPAddress Loopback(int b, int c = 0) => new([127, (byte)c, 0, (byte)b]);

    /// <summary>The back-off c2s holds back the <paramref name="n"/>-th failure (1-based) from one address.</summary>
    private static TimeSpan ExpectedHoldBack(int n)
    {
        var beyond = n - SaslLimitsCluster.IpFreeFailures;
        if (beyond <= 0) return TimeSpan.Zero;
        var ms = SaslLimitsCluster.IpBackoff.TotalMilliseconds * Math.Pow(2, beyond - 1);
        return TimeSpan.FromMilliseconds(Math.Min(ms, SaslLimitsCluster.IpMaxBackoff.TotalMilliseconds));
    }

    [Fact]
    public async Task Twenty_wrong_passwords_from_one_address_are_answered_ever_later_while_other_logins_are_not_slowed()
    {
        var alice = await Cluster.NewUserAsync("alice");
        var spray = Loopback(1, 1); // 127.1.0.1

        // 20 wrong passwords from one address, each for another account name (password spraying:
        // no account collects enough failures to be locked, so only the address limit acts)
        var took = new List<TimeSpan>();
        for (var i = 1; i <= 20; i++)
        {
            var (result, t) = await AttemptAsync(spray, $"spray-{i}-{Guid.NewGuid():N}"[..16], "wrong password");
            Assert.False(result.Success);
            Assert.Equal("not-authorized", result.Condition);
            took.Add(t);
        }
        output.WriteLine("failure answers from one address (ms): " + string.Join(", ", took.Select(t => (int)t.TotalMilliseconds)));

        for (var i = 1; i <= 20; i++)
            Assert.True(took[i - 1] >= ExpectedHoldBack(i) * 0.9, $"failure {i} came after {took[i - 1].TotalMilliseconds:F0} ms, before its back-off of {ExpectedHoldBack(i).TotalMilliseconds} ms");
        Assert.True(took.Skip(15).Min() > took.Take(SaslLimitsCluster.IpFreeFailures).Max(), "the last failures were not answered later than the first ones");

        // The address is now at its longest back-off. Each of the following is timed three times
        // (the median: one stall of a busy 2-core machine must not decide) and must stay well under it.
        var bound = SaslLimitsCluster.IpMaxBackoff / 2;
        async Task<TimeSpan> MedianAsync(Func<int, Task<(SaslResult Result, TimeSpan Took)>> attempt, bool success, string what)
        {
            var times = new List<TimeSpan>();
            for (var i = 0; i < 3; i++)
            {
                var (result, t) = await attempt(i);
                Assert.True(result.Success == success, $"{what}: {result.Answer}");
                times.Add(t);
            }
            var median = times.Order().ElementAt(1);
            output.WriteLine($"{what}: {string.Join(", ", times.Select(t => (int)t.TotalMilliseconds))} ms");
            Assert.True(median < bound, $"{what} took {median.TotalMilliseconds:F0} ms (median)");
            return median;
        }
        // a correct login for another account from another address is unaffected and fast
        await MedianAsync(i => AttemptAsync(Loopback(2 + i), alice.Local, alice.Password, "SCRAM-SHA-256"), true, "correct logins from other addresses");
        // a wrong password from another address is answered at once
        await MedianAsync(i => AttemptAsync(Loopback(10 + i), alice.Local, "wrong"), false, "wrong passwords from other addresses");
        // and a right password from the guessing address itself is not held back (users behind one NAT still get in)
        await MedianAsync(_ => AttemptAsync(spray, alice.Local, alice.Password, "PLAIN"), true, "correct logins from the guessing address");
        // while its next failure still is
        var (next, nextTook) = await AttemptAsync(spray, alice.Local, "wrong");
        Assert.Equal("not-authorized", next.Condition);
        Assert.True(nextTook >= SaslLimitsCluster.IpMaxBackoff * 0.9, $"the next failure from the guessing address took only {nextTook.TotalMilliseconds:F0} ms");

        var metrics = await Scrape.MetricsAsync(Cluster.MetricsPortOf(Cluster.C2s1));
        Assert.True(Scrape.Value(metrics, "xmpp_c2s_auth_delays_total") >= 21 - SaslLimitsCluster.IpFreeFailures, metrics);
    }

    [Fact]
    public async Task Failures_and_aborts_lock_an_account_for_a_while_whatever_the_address()
    {
        var bob = await Cluster.NewUserAsync("bob");
        var carol = await Cluster.NewUserAsync("carol");

        // 3 wrong passwords and 3 aborts, each from its own address (the address limit stays out of it)
        for (var i = 0; i < 3; i++)
            Assert.Equal("not-authorized", (await AttemptAsync(Loopback(10 + i, 2), bob.Local, "wrong")).Result.Condition);
        for (var i = 0; i < 3; i++)
        {
            await using var client = await TestClient.ConnectAsync(Port, "aborter", () => Cluster.OutputTail(), Loopback(20 + i, 2));
            await client.OpenStreamAsync();
            await client.StartTlsAsync();
            var scram = new ScramClient(ScramAlgorithm.Sha256, bob.Local, "whatever");
            await client.SendAsync($"<auth xmlns='{Ns.Sasl}' mechanism='SCRAM-SHA-256'>{Convert.ToBase64String(Encoding.UTF8.GetBytes(scram.ClientFirst()))}</auth>");
            await client.ExpectAsync(e => e.Name.NamespaceName == Ns.Sasl && e.Name.LocalName == "challenge", TestClient.DefaultTimeout, "<challenge/>");
            await client.SendAsync($"<abort xmlns='{Ns.Sasl}'/>");
            var aborted = await client.ExpectAsync(e => e.Name.NamespaceName == Ns.Sasl && e.Name.LocalName == "failure", TestClient.DefaultTimeout, "<failure/>");
            Assert.Equal("aborted", aborted.Elements().First().Name.LocalName);
        }

        // the 6th failure locked bob: even his right password is refused for now
        var sw = Stopwatch.StartNew();
        var refused = await AttemptAsync(Loopback(30, 2), bob.Local, bob.Password);
        Assert.False(refused.Result.Success, "bob logged in although 6 failures should have locked his account");
        Assert.Equal("temporary-auth-failure", refused.Result.Condition);
        // carol is not locked
        Assert.True((await AttemptAsync(Loopback(31, 2), carol.Local, carol.Password, "SCRAM-SHA-256")).Result.Success);

        // the lock expires (1 s after the 6th failure): bob gets in again
        var deadline = TimeSpan.FromSeconds(15);
        var address = 40;
        while (true)
        {
            var (result, _) = await AttemptAsync(Loopback(address++, 2), bob.Local, bob.Password, "SCRAM-SHA-256");
            if (result.Success) break;
            Assert.Equal("temporary-auth-failure", result.Condition);
            Assert.True(sw.Elapsed < deadline, "bob's lock did not expire");
            await Task.Delay(100);
        }
        output.WriteLine($"bob got in again after {sw.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(sw.Elapsed >= SaslLimitsCluster.AccountBackoff * 0.5, $"bob got in again after only {sw.Elapsed.TotalMilliseconds:F0} ms");

        var metrics = await Scrape.MetricsAsync(Cluster.MetricsPortOf(Cluster.Sm));
        Assert.True(Scrape.Value(metrics, "xmpp_sm_auth_lockouts_total") >= 1, metrics);
        Assert.True(Scrape.Value(metrics, "xmpp_sm_auth_failures_total", "step=\"abort\"") >= 3, metrics);
    }
}
