using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Xmpp.Common.Link;
using Xmpp.Integration.Tests.Harness;
using Xmpp.Protos;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Tests;

/// <summary>Issue #2, "At the wire": a test component links to the running router as c2s/wire-test.</summary>
public sealed class WireTests(ClusterFixture fixture, ITestOutputHelper output) : ClusterTest(fixture, output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Start_for_an_unknown_user_fails_with_a_reason_and_produces_no_packet()
    {
        await using var wire = await WireLink.OpenAsync(Cluster, "c2s/wire-test");

        var answer = await wire.Link.RequestAsync(new Frame
        {
            To = "sm/localhost",
            Session = new Session { Action = Session.Types.Action.Start, C2SSession = "w1", Target = "nobody-wire@localhost/x", RequestId = "wire-start-1" },
        }, CancellationToken.None);

        Assert.Equal("sm/localhost", answer.From);
        Assert.Equal(Session.Types.Action.Start, answer.Session.Action);
        Assert.True(answer.Session.Failed, $"START for an unknown user did not fail: {answer}");
        Assert.Equal("user-not-found", answer.Session.Reason);
        Assert.Equal("w1", answer.Session.C2SSession);
        Assert.Equal("nobody-wire@localhost/x", answer.Session.Target);

        // A second request as a barrier: whatever sm sent about the first has arrived before its answer.
        var second = await wire.Link.RequestAsync(new Frame
        {
            To = "sm/localhost",
            Session = new Session { Action = Session.Types.Action.Start, C2SSession = "w2", Target = "nobody-wire-2@localhost/y", RequestId = "wire-start-2" },
        }, CancellationToken.None);
        Assert.True(second.Session.Failed);
        Assert.DoesNotContain(wire.Unasked, f => f.BodyCase == Frame.BodyOneofCase.Packet);
    }

    [Fact]
    public async Task Start_to_an_unknown_component_comes_back_failed_with_route_unknown()
    {
        await using var wire = await WireLink.OpenAsync(Cluster, "c2s/wire-test");

        var answer = await wire.Link.RequestAsync(new Frame
        {
            To = "sm/nowhere",
            Session = new Session { Action = Session.Types.Action.Start, C2SSession = "w3", Target = "alice@nowhere/x", RequestId = "wire-start-3" },
        }, CancellationToken.None);

        Assert.Equal(Session.Types.Action.Start, answer.Session.Action);
        Assert.True(answer.Session.Failed);
        Assert.Equal("route-unknown", answer.Session.Reason);
        Assert.Equal("w3", answer.Session.C2SSession);
    }

    [Fact]
    public async Task A_packet_to_an_unknown_component_comes_back_with_a_route_error()
    {
        await using var wire = await WireLink.OpenAsync(Cluster, "c2s/wire-test");

        var stanza = "<message xmlns='jabber:client' to='bob@nowhere' from='alice@localhost/x'><body>hello?</body></message>"u8.ToArray();
        Assert.True(wire.Link.Send(new Frame
        {
            To = "sm/nowhere",
            Packet = new Packet
            {
                C2SSession = "w4", SmSession = "s-none", Kind = "message", StanzaTo = "bob@nowhere", StanzaFrom = "alice@localhost/x",
                Stanza = Google.Protobuf.ByteString.CopyFrom(stanza),
            },
        }));

        var back = await wire.ExpectAsync(f => f.BodyCase == Frame.BodyOneofCase.Packet, Timeout);
        Assert.NotNull(back.RouteError);
        Assert.Equal(RouteError.Types.Code.RouteUnknown, back.RouteError.Code);
        Assert.Equal("w4", back.Packet.C2SSession);
        Assert.Equal(stanza, back.Packet.Stanza.ToByteArray());
    }

    /// <summary>A RouterLink of our own, collecting the frames that are not answers to requests.</summary>
    [Fact]
    public async Task The_frames_of_one_batch_for_one_component_arrive_in_order_in_one_batch()
    {
        // Packets go from an sm to a c2s (the only direction the router lets packets take towards a c2s);
        // each link presents its own certificate, so each has its own channel.
        using var receiverChannel = Cluster.Pki.Channel(Cluster.RouterAddress, ClusterPki.IdentityFor("c2s/wire-batch-to"));
        using var senderChannel = Cluster.Pki.Channel(Cluster.RouterAddress, ClusterPki.IdentityFor("sm/wire-batch-from"));
        using var cts = new CancellationTokenSource(Timeout);
        using var receiver = await BindRawAsync(new Router.RouterClient(receiverChannel), "c2s/wire-batch-to", cts.Token);
        using var sender = await BindRawAsync(new Router.RouterClient(senderChannel), "sm/wire-batch-from", cts.Token);

        var batch = new FrameBatch();
        for (var i = 0; i < 5; i++)
            batch.Frames.Add(new Frame
            {
                To = "c2s/wire-batch-to",
                From = "sm/wire-batch-from",
                Packet = new Packet { C2SSession = $"b{i}", Kind = "message", Stanza = Google.Protobuf.ByteString.CopyFromUtf8($"<message xmlns='jabber:client' id='b{i}'/>") },
            });
        await sender.RequestStream.WriteAsync(batch, cts.Token);

        // Skip component events (the sender binding); the packets come as one batch, in the order sent.
        FrameBatch received;
        do
        {
            Assert.True(await receiver.ResponseStream.MoveNext(cts.Token), "the router closed the receiver's link");
            received = receiver.ResponseStream.Current;
        }
        while (received.Frames.All(f => f.BodyCase != Frame.BodyOneofCase.Packet));
        Assert.Equal(["b0", "b1", "b2", "b3", "b4"], received.Frames.Select(f => f.Packet.C2SSession));
    }

    /// <summary>A Router.Link call made by hand (no RouterLink batching on our side), bound to <paramref name="address"/>.</summary>
    private static async Task<Grpc.Core.AsyncDuplexStreamingCall<FrameBatch, FrameBatch>> BindRawAsync(Router.RouterClient client, string address, CancellationToken ct)
    {
        var call = client.Link(cancellationToken: ct);
        await call.RequestStream.WriteAsync(new FrameBatch { Frames = { new Frame { From = address, Bind = new Bind { Addresses = { address } } } } }, ct);
        Assert.True(await call.ResponseStream.MoveNext(ct), $"no answer to the bind of {address}");
        Assert.True(call.ResponseStream.Current.Frames[0].BindResult.Ok, $"bind of {address} refused");
        return call;
    }

    private sealed class WireLink : IAsyncDisposable
    {
        private readonly Channel<Frame> _frames = Channel.CreateUnbounded<Frame>();
        private readonly List<Frame> _unasked = [];
        private readonly CancellationTokenSource _stop = new();
        private Task _run = Task.CompletedTask;

        public RouterLink Link { get; }
        public IReadOnlyList<Frame> Unasked { get { lock (_unasked) return _unasked.ToArray(); } }

        private WireLink(Cluster cluster, string address)
        {
            Link = new RouterLink([address], cluster.Pki.LinkOptions(cluster.RouterAddress, ClusterPki.IdentityFor(address)), NullLogger.Instance, frame =>
            {
                lock (_unasked) _unasked.Add(frame);
                _frames.Writer.TryWrite(frame);
                return ValueTask.CompletedTask;
            });
        }

        public static async Task<WireLink> OpenAsync(Cluster cluster, string address)
        {
            var router = cluster.RouterAddress;
            var wire = new WireLink(cluster, address);
            wire._run = wire.Link.RunAsync(wire._stop.Token);
            try
            {
                await wire.Link.WaitUpAsync(CancellationToken.None).WaitAsync(Timeout);
            }
            catch (TimeoutException)
            {
                await wire.DisposeAsync();
                throw new TimeoutException($"could not link to the router at {router} as {address} within {Timeout.TotalSeconds:0} s");
            }
            return wire;
        }

        public async Task<Frame> ExpectAsync(Func<Frame, bool> match, TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                while (true)
                {
                    var frame = await _frames.Reader.ReadAsync(cts.Token);
                    if (match(frame)) return frame;
                }
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no matching frame within {timeout.TotalSeconds:0} s; got: {string.Join("; ", Unasked)}");
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try { await _run.WaitAsync(TimeSpan.FromSeconds(5)); } catch (Exception) { /* stopping anyway */ }
            await Link.DisposeAsync();
            _stop.Dispose();
        }
    }
}
