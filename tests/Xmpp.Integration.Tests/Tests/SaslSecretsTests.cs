using System.Diagnostics;
using System.Net;
using System.Text;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Xmpp.Common;
using Xmpp.Common.Link;
using Xmpp.Common.Sasl;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xmpp.Protos;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>A cluster whose sm derives keys with many PBKDF2 iterations (so the work shows in timings), without lockouts.</summary>
public sealed class SaslSecretsCluster : IAsyncLifetime
{
    public Cluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await Cluster.StartAsync(new ClusterOptions
    {
        C2sCount = 1,
        ExtraArgs = new Dictionary<string, string[]>
        {
            ["c2s"] = ["--C2s:AuthIpFreeFailures=100000"],
            ["sm"] = ["--Sm:AuthAccountFreeFailures=100000"],
        },
    });

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>
/// Issue 18, "secrets stay in sm", through real processes: what sm sends c2s during a login holds
/// a salt, an iteration count and a server signature, never StoredKey, ServerKey or a password
/// hash; a PLAIN password never reaches sm (c2s proves it with SCRAM), and PLAIN costs the same for
/// unknown accounts as for known ones.
/// </summary>
public sealed class SaslSecretsTests(SaslSecretsCluster fixture, ITestOutputHelper output) : IClassFixture<SaslSecretsCluster>, IAsyncLifetime
{
    private Cluster Cluster => fixture.Cluster;
    private int Port => Cluster.C2s1Port;

    public Task InitializeAsync() => Task.CompletedTask;
    public Task DisposeAsync()
    {
        output.WriteLine(Cluster.OutputTail(40));
        return Task.CompletedTask;
    }

    private async Task<TestClient> SecuredStreamAsync(string name, IPAddress? from = null)
    {
        var client = await TestClient.ConnectAsync(Port, name, () => Cluster.OutputTail(), from);
        await client.OpenStreamAsync();
        await client.StartTlsAsync();
        return client;
    }

    /// <summary>The iteration count a SCRAM exchange announces for <paramref name="account"/> (the exchange is then aborted).</summary>
    private async Task<int> AnnouncedIterationsAsync(Account account, string mechanism = "SCRAM-SHA-256")
    {
        await using var client = await SecuredStreamAsync("probe");
        var scram = new ScramClient(ScramAlgorithm.ByMechanism(mechanism)!, account.Local, "whatever");
        await client.SendAsync($"<auth xmlns='{Ns.Sasl}' mechanism='{mechanism}'>{Convert.ToBase64String(Encoding.UTF8.GetBytes(scram.ClientFirst()))}</auth>");
        var challenge = await client.ExpectAsync(e => e.Name.NamespaceName == Ns.Sasl && e.Name.LocalName == "challenge", TestClient.DefaultTimeout, "<challenge/>");
        var serverFirst = Encoding.UTF8.GetString(Convert.FromBase64String(challenge.Value));
        await client.SendAsync($"<abort xmlns='{Ns.Sasl}'/>");
        return int.Parse(serverFirst.Split(',').Single(p => p.StartsWith("i=", StringComparison.Ordinal))[2..], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task A_changed_iteration_count_takes_effect_when_xmppctl_sets_the_password_again()
    {
        var frank = await Cluster.NewUserAsync("frank"); // xmppctl's default: 4096
        Assert.Equal(ScramAlgorithm.DefaultIterations, await AnnouncedIterationsAsync(frank));

        var passwd = await Cluster.CtlAsync("--iterations", "10000", "passwd", frank.Jid, frank.Password);
        Assert.True(passwd.ExitCode == 0, passwd.ToString());

        Assert.Equal(10000, await AnnouncedIterationsAsync(frank, "SCRAM-SHA-256"));
        Assert.Equal(10000, await AnnouncedIterationsAsync(frank, "SCRAM-SHA-1"));
        foreach (var mechanism in new[] { "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN" })
            await using (await Cluster.LoginAsync(frank, Port, mechanism, mechanism)) { } // throws if it fails
    }

    [Fact]
    public async Task Plain_for_an_unknown_account_takes_as_long_as_a_wrong_password_for_a_known_one()
    {
        var dave = await Cluster.NewUserAsync("dave");
        // c2s derives the key for both (PBKDF2 with sm's salt and count: a fake salt and the configured count for an unknown account).
        Assert.Equal(await AnnouncedIterationsAsync(Cluster.UnknownUser("ghost")), await AnnouncedIterationsAsync(dave));

        async Task<double> TimeAsync(string user)
        {
            await using var client = await SecuredStreamAsync(user);
            var sw = Stopwatch.StartNew();
            var result = await client.AuthenticateAsync(user, "wrong password", "PLAIN", restart: false);
            var ms = sw.Elapsed.TotalMilliseconds;
            Assert.Equal("not-authorized", result.Condition);
            return ms;
        }

        var known = new List<double>();
        var unknown = new List<double>();
        for (var i = 0; i < 20; i++) // interleaved, so a busy moment of the machine hits both alike
        {
            known.Add(await TimeAsync(dave.Local));
            unknown.Add(await TimeAsync(Cluster.UnknownUser("ghost").Local));
        }
        static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);
        var (k, u) = (Median(known), Median(unknown));
        output.WriteLine($"PLAIN, wrong password: known account median {k:F1} ms, unknown account median {u:F1} ms");
        Assert.True(u >= 0.5 * k && u <= 2 * k, $"known median {k:F1} ms, unknown median {u:F1} ms: the timing tells whether the account exists");
    }

    [Fact]
    public async Task What_sm_answers_c2s_during_a_login_holds_no_key_and_no_password_hash()
    {
        var erin = await Cluster.NewUserAsync("erin");
        var answers = new List<Frame>();
        var unasked = new List<Frame>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var address = $"c2s/probe-{Guid.NewGuid():N}"[..20];
        var link = new RouterLink([address], Cluster.Pki.LinkOptions(Cluster.RouterAddress, ClusterPki.IdentityFor(address)), NullLogger.Instance, f =>
        {
            lock (unasked) unasked.Add(f);
            return ValueTask.CompletedTask;
        });
        var running = link.RunAsync(stop.Token);
        try
        {
            await link.WaitUpAsync(stop.Token).WaitAsync(TimeSpan.FromSeconds(15));
            async Task<Session> AskAsync(SaslStep step, string user)
            {
                var answer = await link.RequestAsync(new Frame { To = "sm/localhost", Session = new Session { Action = Session.Types.Action.Auth, Target = user, Sasl = step } }, stop.Token);
                answers.Add(answer);
                return answer.Session;
            }

            // A SCRAM login exactly as c2s runs it: client-first, SCRAM_START, client-final, SCRAM_PROOF.
            var secrets = new List<(string What, byte[] Bytes)>();
            foreach (var algorithm in ScramAlgorithm.All)
            {
                var client = new ScramClient(algorithm, erin.Local, erin.Password);
                var server = new ScramServer(algorithm);
                Assert.True(server.ReadClientFirst(client.ClientFirst()));
                var start = await AskAsync(new SaslStep { Step = SaslStep.Types.Step.ScramStart, Mechanism = algorithm.Mechanism }, erin.Jid);
                Assert.Equal(Session.Types.Action.Authed, start.Action);
                var salt = start.SaslResult.Salt.ToByteArray();
                var final = client.ClientFinal(server.ServerFirst(salt, start.SaslResult.Iterations));
                var proof = server.ReadClientFinal(final)!;
                var done = await AskAsync(new SaslStep
                {
                    Step = SaslStep.Types.Step.ScramProof, Mechanism = algorithm.Mechanism,
                    AuthMessage = proof.AuthMessage, ClientProof = ByteString.CopyFrom(proof.ClientProof),
                }, erin.Jid);
                Assert.Equal(Session.Types.Action.Authed, done.Action);
                // the signature verifies: these are erin's real keys, so the secrets below are the real ones
                Assert.True(client.VerifyServerFinal(ScramServer.ServerFinal(done.SaslResult.ServerSignature.ToByteArray())));

                var keys = algorithm.Derive(erin.Password, start.SaslResult.Iterations, salt);
                var salted = algorithm.SaltedPassword(erin.Password, salt, start.SaslResult.Iterations);
                secrets.Add(($"{algorithm.Mechanism} StoredKey", keys.StoredKey));
                secrets.Add(($"{algorithm.Mechanism} ServerKey", keys.ServerKey));
                secrets.Add(($"{algorithm.Mechanism} SaltedPassword", salted));
                secrets.Add(($"{algorithm.Mechanism} ClientKey", algorithm.Hmac(salted, "Client Key")));
            }
            secrets.Add(("the password", Encoding.UTF8.GetBytes(erin.Password)));

            List<Frame> all;
            lock (unasked) all = [.. answers, .. unasked];
            Assert.Equal(4, answers.Count);
            foreach (var frame in all)
            {
                var bytes = frame.ToByteArray();
                foreach (var (what, secret) in secrets)
                    Assert.True(bytes.AsSpan().IndexOf(secret) < 0, $"{what} is in a frame sm sent c2s: {frame}");
                Assert.Null(frame.Session?.Credentials);
                // only salt and iteration count, or the server signature, or nothing
                if (frame.Session?.SaslResult is { } result)
                    Assert.True(result.ServerSignature.IsEmpty || (result.Salt.IsEmpty && result.Iterations == 0), $"mixed answer: {frame}");
            }
        }
        finally
        {
            await stop.CancelAsync();
            try { await running; } catch (OperationCanceledException) { }
            await link.DisposeAsync();
        }
    }
}
