using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xmpp.Common.Link;
using Xmpp.Common.Pki;
using Xmpp.Protos;

namespace Xmpp.Common.Tests.Link;

/// <summary>
/// Issue 20: what a component sends while the router is away waits in a bounded queue
/// (Router:OfflineQueueBytes) for at most Router:OfflineQueueTimeout, and comes back to its
/// sender as failed past either; the reconnect back-off starts over after a healthy link.
/// </summary>
public sealed class RouterLinkQueueTests : IDisposable
{
    private readonly string _pki = Path.Combine(Path.GetTempPath(), "xmpp-linkq-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeTimeProvider _clock = new();

    public void Dispose()
    {
        try { Directory.Delete(_pki, recursive: true); } catch (IOException) { }
    }

    private static Frame Packet(int bytes) =>
        new() { To = "sm/localhost", Packet = new Packet { C2SSession = "1", Kind = "message", Stanza = ByteString.CopyFrom(new byte[bytes]) } };

    /// <summary>A link that never connects (RunAsync is not called): as a component sees it while the router is down.</summary>
    private RouterLink DownLink(long offlineBytes, TimeSpan timeout)
    {
        PkiInitializer.Init(_pki, new PkiRequest());
        var layout = new PkiLayout(_pki);
        var options = new RouterLinkOptions
        {
            Address = "https://127.0.0.1:1",
            CaCertificate = layout.CaCertificate,
            Certificate = layout.CertificateOf(PkiLayout.C2s("c2s-1")),
            OfflineQueueBytes = offlineBytes,
            OfflineQueueTimeout = timeout,
        };
        return new RouterLink(["c2s/c2s-1"], options, NullLogger.Instance, _ => default, _clock);
    }

    [Fact]
    public void While_the_link_is_down_frames_wait_up_to_the_offline_bound_and_the_next_is_refused()
    {
        var size = FrameBatching.EstimatedSize(Packet(1000));
        var link = DownLink(offlineBytes: 3 * size, TimeSpan.FromSeconds(30));
        Assert.False(link.IsUp);
        Assert.True(link.Send(Packet(1000)));
        Assert.True(link.Send(Packet(1000)));
        Assert.True(link.Send(Packet(1000)));
        Assert.Equal(3 * size, link.QueuedBytes);
        Assert.False(link.Send(Packet(1000))); // the sender answers for it (error to the client, offline storage)
        Assert.Equal(3 * size, link.QueuedBytes);
    }

    [Fact]
    public void A_frame_larger_than_the_whole_bound_still_waits_when_nothing_else_does()
    {
        var link = DownLink(offlineBytes: 100, TimeSpan.FromSeconds(30));
        Assert.True(link.Send(Packet(5000)));
        Assert.False(link.Send(Packet(10)));
    }

    [Fact]
    public void A_frame_that_waited_longer_than_the_timeout_comes_back_failed_and_younger_ones_keep_waiting()
    {
        var link = DownLink(offlineBytes: 1 << 20, TimeSpan.FromSeconds(30));
        var failed = new List<(Frame Frame, string Reason)>();
        link.FrameFailed += (frame, reason) => failed.Add((frame, reason));
        var old = Packet(10);
        Assert.True(link.Send(old));
        _clock.Advance(TimeSpan.FromSeconds(20));
        var young = Packet(20);
        Assert.True(link.Send(young));

        Assert.Equal(0, link.ExpireNow());
        _clock.Advance(TimeSpan.FromSeconds(11)); // old: 31 s, young: 11 s
        Assert.Equal(1, link.ExpireNow());
        var (frame, reason) = Assert.Single(failed);
        Assert.Same(old, frame);
        Assert.Contains("30 s", reason);
        Assert.Equal(FrameBatching.EstimatedSize(young), link.QueuedBytes);
        Assert.Same(young, Assert.Single(link.TakeUnsent()));
    }

    [Fact]
    public async Task The_back_off_starts_over_after_a_healthy_link()
    {
        var attempts = new List<int>();
        var options = new RouterLinkOptions { RetryBaseDelay = TimeSpan.Zero, RetryMaxDelay = TimeSpan.Zero };
        var reconnect = new LinkReconnect(options, _clock, (attempt, _, _) => attempts.Add(attempt));
        // Three failed connects, a healthy link that ends, two failed connects, then the test stops it.
        var script = new Queue<bool>([false, false, false, true, false, false]);
        using var stop = new CancellationTokenSource();
        await reconnect.RunAsync(ct =>
        {
            if (!script.TryDequeue(out var healthy))
            {
                stop.Cancel();
                throw new OperationCanceledException(ct);
            }
            return healthy ? Task.CompletedTask : throw new IOException("connection refused");
        }, stop.Token);

        // Polly numbers the retries of one outage from 0; the delay grows with that number.
        Assert.Equal([0, 1, 2, 0, 1], attempts);
    }

    [Fact]
    public void The_queue_counts_bytes_until_the_writer_takes_a_frame()
    {
        var queue = new LinkSendQueue(_clock);
        var frame = Packet(100);
        Assert.True(queue.TryQueue(frame, 1 << 20));
        Assert.Equal(FrameBatching.EstimatedSize(frame), queue.QueuedBytes);
        Assert.True(queue.Reader.TryRead(out var pending));
        Assert.Same(frame, queue.Taken(pending));
        Assert.Equal(0, queue.QueuedBytes);
        Assert.Equal(0, queue.Count);
    }
}
