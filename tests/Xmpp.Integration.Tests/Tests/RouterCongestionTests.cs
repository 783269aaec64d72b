using System.Diagnostics;
using Google.Protobuf;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;
using Xmpp.Protos;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>
/// Issue 18: a component that stops reading its link slows nobody else. The router queues at most
/// Router:MaxQueueBytesPerComponent for it and returns what does not fit to the sender at once
/// (ROUTE_CONGESTED), without ever making the sender's read loop wait; the other components go on.
/// </summary>
public sealed class RouterCongestionTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private const int QueueBytes = 1024 * 1024;
    private const int Frames = 2000;
    private const int StanzaBytes = 8 * 1024; // 2000 x 8 KiB: 16 MiB for a component that reads nothing

    [Fact]
    public async Task Frames_for_a_stalled_component_come_back_congested_and_everyone_else_goes_on()
    {
        await using var cluster = await Cluster.StartAsync(new ClusterOptions
        {
            C2sCount = 1,
            ExtraArgs = new Dictionary<string, string[]> { ["router"] = [$"--Router:MaxQueueBytesPerComponent={QueueBytes}"] },
        });
        await using var clients = new OwnClusterClients(cluster, output, tailLines: 40);
        var alice = await clients.LoginAsync(await cluster.NewUserAsync("alice"), cluster.C2s1Port, "a");
        var bob = await clients.LoginAsync(await cluster.NewUserAsync("bob"), cluster.C2s1Port, "b");

        // Each link presents its own certificate; only sm may send packets to a c2s, so the flooder is an sm.
        using var stalledChannel = cluster.Pki.Channel(cluster.RouterAddress, ClusterPki.IdentityFor("c2s/stalled"));
        using var senderChannel = cluster.Pki.Channel(cluster.RouterAddress, ClusterPki.IdentityFor("sm/flooder"));
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var stalled = await BindAsync(new Router.RouterClient(stalledChannel), "c2s/stalled", cts.Token); // never reads its stream
        using var sender = await BindAsync(new Router.RouterClient(senderChannel), "sm/flooder", cts.Token);
        var congested = 0;
        var unknown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reader = Task.Run(async () =>
        {
            while (await sender.ResponseStream.MoveNext(cts.Token))
                foreach (var frame in sender.ResponseStream.Current.Frames)
                {
                    if (frame.RouteError?.Code == RouteError.Types.Code.RouteCongested) Interlocked.Increment(ref congested);
                    if (frame.RouteError?.Code == RouteError.Types.Code.RouteUnknown) unknown.TrySetResult();
                }
        });

        var stanza = ByteString.CopyFromUtf8($"<message xmlns='jabber:client'><body>{new string('x', StanzaBytes)}</body></message>");
        var flood = Stopwatch.StartNew();
        for (var i = 0; i < Frames; i += 50)
        {
            var batch = new FrameBatch();
            for (var j = i; j < i + 50; j++)
                batch.Frames.Add(new Frame { To = "c2s/stalled", From = "sm/flooder", Packet = new Packet { C2SSession = $"s{j}", Kind = "message", Stanza = stanza } });
            await sender.RequestStream.WriteAsync(batch, cts.Token);
        }
        // The router read all of that without waiting for the stalled component: the next frame is answered at once.
        // (A probe's answer may itself be dropped while the flooder's own queue is full of answers: probe again until one comes back.)
        var deadline = Stopwatch.StartNew();
        while (!unknown.Task.IsCompleted)
        {
            Assert.True(deadline.Elapsed < Timeout, "no probe was answered: the router's read loop for the flooder is stuck");
            await sender.RequestStream.WriteAsync(new FrameBatch { Frames = { new Frame { To = "c2s/nobody", From = "sm/flooder", Packet = new Packet { C2SSession = "probe", Kind = "message" } } } }, cts.Token);
            await Task.WhenAny(unknown.Task, Task.Delay(500, cts.Token));
        }
        var floodTime = flood.Elapsed;

        // Everyone else goes on: a message and pings through router and sm.
        var pings = new List<double>();
        for (var i = 0; i < 10; i++)
        {
            var watch = Stopwatch.StartNew();
            await bob.PingServerAsync();
            pings.Add(watch.Elapsed.TotalMilliseconds);
        }
        await alice.SendAsync($"<message to='{bob.Jid}' type='chat'><body>still flowing</body></message>");
        await bob.ExpectAsync(s => s.IsMessage() && s.Body() == "still flowing");

        var returned = Volatile.Read(ref congested);
        var median = pings.Order().ElementAt(pings.Count / 2);
        // Refused frames go back to the sender through its own queue, bounded the same way: a sender
        // that reads its answers more slowly than it floods loses some of them (logged and counted).
        var metrics = await Observability.Scrape.MetricsAsync(cluster.MetricsPortOf(cluster.Router));
        var refused = Observability.Scrape.Value(metrics, "xmpp_router_route_errors_total", "code=\"ROUTE_CONGESTED\"") ?? 0;
        var notReturned = Observability.Scrape.Value(metrics, "xmpp_router_returns_dropped_total", "reason=\"sender-congested\"") ?? 0;
        output.WriteLine($"{Frames} frames of {StanzaBytes / 1024} KiB for a stalled component in {floodTime.TotalMilliseconds:0} ms: {refused} refused ROUTE_CONGESTED " +
                         $"(queue bound {QueueBytes / 1024} KiB), {returned} of them returned, {notReturned} not (the sender's queue was full); " +
                         $"pings afterwards: median {median:0.0} ms, max {pings.Max():0.0} ms");
        // At most the bound (plus what the HTTP/2 window took) was queued; the rest was refused, and each refusal was returned or counted.
        Assert.True(refused >= Frames - (QueueBytes + 2 * 1024 * 1024) / StanzaBytes, $"only {refused} of {Frames} frames were refused");
        Assert.True(returned > 0, "no frame came back ROUTE_CONGESTED");
        Assert.Equal(refused, returned + notReturned);
        Assert.True(median < 50, $"median ping {median:0.0} ms with a stalled component");
        await cts.CancelAsync();
        try { await reader; } catch (Exception e) when (e is OperationCanceledException or Grpc.Core.RpcException) { }
    }

    private static async Task<Grpc.Core.AsyncDuplexStreamingCall<FrameBatch, FrameBatch>> BindAsync(Router.RouterClient client, string address, CancellationToken ct)
    {
        var call = client.Link(cancellationToken: ct);
        await call.RequestStream.WriteAsync(new FrameBatch { Frames = { new Frame { From = address, Bind = new Bind { Addresses = { address } } } } }, ct);
        Assert.True(await call.ResponseStream.MoveNext(ct), $"no answer to the bind of {address}");
        Assert.True(call.ResponseStream.Current.Frames[0].BindResult.Ok, $"bind of {address} refused");
        return call;
    }
}
