using System.Net;
using System.Text.RegularExpressions;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Observability;

/// <summary>
/// Issue #5, health: router and sm speak the gRPC health checking protocol (grpc.health.v1); c2s
/// and sm are ready only while their router link is up, and ready again once it is back.
/// Also: the console exporter on request (Telemetry:Console=true on the router).
/// Has its own cluster, since it kills the router.
/// </summary>
public sealed class HealthTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Router_and_sm_serve_grpc_health_and_c2s_and_sm_are_ready_only_while_linked_to_the_router()
    {
        await using var cluster = await Cluster.StartAsync(new ClusterOptions
        {
            ExtraArgs = new Dictionary<string, string[]> { ["router"] = ["--Telemetry:Console=true"] },
        });
        ServerProcess? router2 = null;
        try
        {
            using var routerChannel = cluster.Pki.Channel(cluster.RouterAddress, Xmpp.Common.Pki.PkiLayout.Admin());
            using var smChannel = GrpcChannel.ForAddress($"http://127.0.0.1:{cluster.SmGrpcHealthPort}");
            var routerHealth = new Health.HealthClient(routerChannel);
            var smHealth = new Health.HealthClient(smChannel);
            var c2sMetrics = cluster.MetricsPortOf(cluster.C2s1);

            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await routerHealth.CheckAsync(new HealthCheckRequest())).Status);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await smHealth.CheckAsync(new HealthCheckRequest())).Status);
            Assert.Equal((HttpStatusCode.OK, "Healthy"), await Scrape.GetAsync(c2sMetrics, "/health/ready"));
            Assert.Equal(HttpStatusCode.OK, (await Scrape.GetAsync(cluster.MetricsPortOf(cluster.Sm), "/health/ready")).Status);
            Assert.Equal(HttpStatusCode.OK, (await Scrape.GetAsync(cluster.MetricsPortOf(cluster.Router), "/health/ready")).Status);

            // console exporter: the router prints its spans (here: routing xmppctl's CREATE and sm's answer)
            await cluster.NewUserAsync("alice");
            await cluster.Router.WaitForLineAsync(new Regex(@"Activity\.DisplayName:\s+route session"), TimeSpan.FromSeconds(10));

            // router gone: c2s and sm are not ready any more; both still live
            cluster.Router.Kill9();
            await UntilAsync(async () => (await Scrape.GetAsync(c2sMetrics, "/health/ready")).Status == HttpStatusCode.ServiceUnavailable, "c2s-1 not ready");
            await UntilAsync(async () => (await smHealth.CheckAsync(new HealthCheckRequest())).Status == HealthCheckResponse.Types.ServingStatus.NotServing, "sm NOT_SERVING");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await Scrape.GetAsync(cluster.MetricsPortOf(cluster.Sm), "/health/ready")).Status);
            Assert.Equal(HttpStatusCode.OK, (await Scrape.GetAsync(c2sMetrics, "/health/live")).Status);

            // a router back on the same port: both reconnect and are ready again
            router2 = await ServerProcess.StartAsync("router-2", RepoPaths.Router,
                ["--Router:ListenAddress=127.0.0.1", $"--Router:ListenPort={cluster.RouterPort}", "--Telemetry:MetricsPort=0", .. cluster.Pki.RouterArgs()]);
            await UntilAsync(async () => (await Scrape.GetAsync(c2sMetrics, "/health/ready")).Status == HttpStatusCode.OK, "c2s-1 ready again");
            await UntilAsync(async () => (await smHealth.CheckAsync(new HealthCheckRequest())).Status == HealthCheckResponse.Types.ServingStatus.Serving, "sm SERVING again");
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await routerHealth.CheckAsync(new HealthCheckRequest())).Status);
        }
        finally
        {
            output.WriteLine(cluster.OutputTail(60));
            if (router2 is not null)
            {
                output.WriteLine(router2.Tail(20));
                await router2.DisposeAsync();
            }
        }
    }

    /// <summary>Polls a condition (health has no change notification here), bounded by <see cref="Limit"/>.</summary>
    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Limit;
        var delay = TimeSpan.FromMilliseconds(50);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"never {what} within {Limit.TotalSeconds:0} s");
            await Task.Delay(delay);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
        }
    }
}
