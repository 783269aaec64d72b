using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xmpp.Integration.Tests.Observability;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Deployment;

/// <summary>
/// Issue #5, judged by 2: the docker-compose topology on loopback without containers. Router, sm,
/// three c2s and a real HAProxy running deploy/haproxy.cfg in front; 60 clients connect through
/// HAProxy, land on all three c2s, and every client receives the message each other one sent it.
/// </summary>
public sealed class HaproxyTopologyTests(ITestOutputHelper output)
{
    private const int ClientCount = 60;
    private static readonly TimeSpan MeshTimeout = TimeSpan.FromSeconds(90);

    /// <summary>deploy/haproxy.cfg sends PROXY protocol v2: the c2s trust haproxy's address, as docker-compose.yml has them do.</summary>
    private static readonly string[] TrustHaproxy = ["--C2s:ProxyProtocol:TrustedProxies:0=127.0.0.1"];

    [Fact]
    public async Task Sixty_clients_through_haproxy_land_on_all_three_c2s_and_each_receives_a_message_from_every_other()
    {
        await using var cluster = await Cluster.StartAsync(new ClusterOptions
        {
            C2sCount = 3,
            ExtraArgs = new Dictionary<string, string[]> { ["c2s"] = TrustHaproxy },
        });
        await using var haproxy = await Haproxy.StartAsync(cluster);
        var clients = new ConcurrentBag<TestClient>();
        try
        {
            output.WriteLine(haproxy.Config);
            await haproxy.WaitUntilAllServersUpAsync(TimeSpan.FromSeconds(30)); // health checks: /health/ready of each c2s

            var accounts = await BulkAccounts.CreateAsync(cluster, "mesh", ClientCount);

            // 60 logins through HAProxy, a few at a time (2 cores: TLS and SCRAM on both ends)
            using var gate = new SemaphoreSlim(8);
            var logins = accounts.Select(async (account, i) =>
            {
                await gate.WaitAsync();
                try
                {
                    var client = await TestClient.LoginAsync(haproxy.Port, account.Jid, account.Password, $"r{i}",
                        name: $"client {i}", diagnostics: () => "\n" + cluster.OutputTail(15) + "\n" + haproxy.Output);
                    clients.Add(client);
                    return client;
                }
                finally
                {
                    gate.Release();
                }
            }).ToArray();
            var logged = await Task.WhenAll(logins);

            // they landed on all three c2s: each one's session gauge, and its log of bound resources
            var perC2s = new Dictionary<string, double>();
            await UntilAsync(async () =>
            {
                foreach (var c2s in cluster.C2sInstances)
                    perC2s[c2s.Name] = Scrape.Value(await Scrape.MetricsAsync(cluster.MetricsPortOf(c2s)), "xmpp_c2s_sessions") ?? 0;
                return perC2s.Values.Sum() == ClientCount;
            }, TimeSpan.FromSeconds(15), () => $"{ClientCount} sessions in all (have {string.Join(", ", perC2s)})");
            output.WriteLine("sessions per c2s: " + string.Join(", ", perC2s.Select(p => $"{p.Key}={p.Value}")));
            Assert.All(cluster.C2sInstances, c2s => Assert.True(perC2s[c2s.Name] > 0, $"no client landed on {c2s.Name}"));
            var bound = cluster.C2sInstances.ToDictionary(c => c.Name, c => c.LinesFrom(0).Count(l => Regex.IsMatch(l, @"Connection \S+ bound mesh-")));
            Assert.Equal(ClientCount, bound.Values.Sum());
            Assert.All(bound, b => Assert.True(b.Value > 0, $"{b.Key} bound no client"));

            // every client sends one message to every other one: 60 * 59
            var started = DateTime.UtcNow;
            await Task.WhenAll(logged.Select((client, i) =>
            {
                var batch = new StringBuilder();
                for (var j = 0; j < logged.Length; j++)
                    if (j != i) batch.Append($"<message to='{logged[j].Jid}' type='chat' id='m{i}-{j}'><body>mesh {i} to {j}</body></message>");
                return client.SendAsync(batch.ToString());
            }));

            var deadline = DateTime.UtcNow + MeshTimeout;
            var received = await Task.WhenAll(logged.Select(async (client, j) =>
            {
                var senders = new HashSet<int>();
                while (senders.Count < logged.Length - 1)
                {
                    var remaining = deadline - DateTime.UtcNow;
                    if (remaining <= TimeSpan.Zero) break;
                    XElementMatch match;
                    try
                    {
                        var message = await client.ExpectAsync(s => s.IsMessage() && (s.Body() ?? "").StartsWith("mesh ", StringComparison.Ordinal), remaining);
                        match = XElementMatch.Parse(message.Body()!, message.Attr("from"));
                    }
                    catch (TimeoutException)
                    {
                        break;
                    }
                    Assert.Equal(j, match.To);
                    Assert.Equal(logged[match.From].Jid, match.FromJid);
                    Assert.True(senders.Add(match.From), $"client {j} got message {match.From} -> {j} twice");
                }
                return senders.Count;
            }));
            output.WriteLine($"{received.Sum()} of {ClientCount * (ClientCount - 1)} messages delivered in {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
            var missing = received.Select((count, j) => (count, j)).Where(r => r.count != ClientCount - 1).ToArray();
            Assert.True(missing.Length == 0,
                $"clients missing messages: {string.Join(", ", missing.Select(m => $"client {m.j} got {m.count}"))}\n{cluster.OutputTail(20)}");
        }
        finally
        {
            foreach (var client in clients) await client.DisposeAsync();
            output.WriteLine(cluster.OutputTail(30));
            output.WriteLine(string.Join("\n", haproxy.Output.Split('\n').TakeLast(30)));
        }
    }

    /// <summary>
    /// Issue 18: behind haproxy (deploy/haproxy.cfg, send-proxy-v2) c2s sees each client's own address:
    /// with at most 2 connections per address, a third client from 127.0.0.2 is refused with
    /// &lt;policy-violation/&gt; and c2s's log names 127.0.0.2 (via haproxy at 127.0.0.1), while a
    /// client from 127.0.0.1 still logs in (had c2s seen haproxy's address for all, it would be the third).
    /// </summary>
    [Fact]
    public async Task Behind_haproxy_the_per_address_limit_applies_to_the_clients_address_not_haproxys()
    {
        await using var cluster = await Cluster.StartAsync(new ClusterOptions
        {
            C2sCount = 1,
            ExtraArgs = new Dictionary<string, string[]> { ["c2s"] = [.. TrustHaproxy, "--C2s:Limits:MaxConnectionsPerIp=2"] },
        });
        await using var haproxy = await Haproxy.StartAsync(cluster, fewerServers: true);
        var clients = new List<TestClient>();
        try
        {
            output.WriteLine(haproxy.Config);
            await haproxy.WaitUntilAllServersUpAsync(TimeSpan.FromSeconds(30));
            var alice = await cluster.NewUserAsync("alice");
            var bob = await cluster.NewUserAsync("bob");
            var second = IPAddress.Parse("127.0.0.2");
            string Diagnostics() => "\n" + cluster.OutputTail(15) + "\n" + haproxy.Output;

            for (var i = 0; i < 2; i++)
                clients.Add(await TestClient.LoginAsync(haproxy.Port, alice.Jid, alice.Password, $"r{i}", name: $"alice {i} from 127.0.0.2",
                    diagnostics: Diagnostics, localAddress: second));

            var third = await TestClient.ConnectAsync(haproxy.Port, "third from 127.0.0.2", Diagnostics, second);
            clients.Add(third);
            await third.SendAsync("<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>");
            await third.ExpectStreamErrorAsync("policy-violation");
            await third.ExpectClosedAsync();
            var refusal = await cluster.C2s1.WaitForLineAsync(new Regex(@"Refused a connection from \S+ via proxy \S+: too-many-open"), TimeSpan.FromSeconds(10));
            output.WriteLine(refusal);
            Assert.Matches(@"from 127\.0\.0\.2 via proxy 127\.0\.0\.1:", refusal);

            var fromFirst = await TestClient.LoginAsync(haproxy.Port, bob.Jid, bob.Password, "desk", name: "bob from 127.0.0.1",
                diagnostics: Diagnostics, localAddress: IPAddress.Loopback);
            clients.Add(fromFirst);
            await clients[0].SendAsync($"<message to='{bob.Jid}' type='chat'><body>through haproxy</body></message>");
            await fromFirst.ExpectAsync(s => s.IsMessage() && s.Body() == "through haproxy");
        }
        finally
        {
            foreach (var client in clients) await client.DisposeAsync();
            output.WriteLine(cluster.OutputTail(30));
            output.WriteLine(string.Join("\n", haproxy.Output.Split('\n').TakeLast(30)));
        }
    }

    private readonly record struct XElementMatch(int From, int To, string? FromJid)
    {
        public static XElementMatch Parse(string body, string? fromJid)
        {
            var parts = body.Split(' '); // "mesh <i> to <j>"
            return new XElementMatch(int.Parse(parts[1]), int.Parse(parts[3]), fromJid);
        }
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan limit, Func<string> what)
    {
        var deadline = DateTime.UtcNow + limit;
        var delay = TimeSpan.FromMilliseconds(50);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"never {what()} within {limit.TotalSeconds:0} s");
            await Task.Delay(delay);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
        }
    }
}
