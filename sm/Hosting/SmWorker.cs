using System.Threading.Channels;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xmpp.Common.Link;
using Xmpp.Protos;
using Xmpp.Sm.Core;
using Xmpp.Sm.Storage;
using Xmpp.Sm.Telemetry;

namespace Xmpp.Sm.Hosting;

/// <summary>
/// Runs sm: opens storage, links to the router as sm/&lt;domain&gt;, and feeds every received frame,
/// one at a time, to the <see cref="SessionManager"/> from a single consumer, in batches of one
/// storage transaction each (<see cref="GroupCommit"/>). On stop, ends all
/// sessions (telling their c2s "system-shutdown") before closing the link.
/// </summary>
public sealed class SmWorker(IOptions<SmOptions> options, IOptions<RouterLinkOptions> linkOptions, ILoggerFactory logs, TimeProvider clock,
    SmLinkState linkState, IHostApplicationLifetime lifetime, IConfiguration configuration) : BackgroundService
{
    /// <summary>Frames waiting for the consumer; when full, the link stops reading (backpressure to the router).</summary>
    private const int InboxCapacity = 8192;

    /// <summary>Time given to the link to write the last frames (ENDED on shutdown) before it closes.</summary>
    private static readonly TimeSpan FlushGrace = TimeSpan.FromSeconds(1);

    private readonly ILogger _logger = logs.CreateLogger<SmWorker>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var storage = await StorageFactory.OpenAsync(settings, _logger, stoppingToken);

        // A waiting consumer runs on the link's reading thread (no hand-off per frame when sm is
        // idle); a busy one just finds the frames queued.
        var inbox = Channel.CreateBounded<Frame>(new BoundedChannelOptions(InboxCapacity)
        {
            SingleReader = true,
            SingleWriter = false, // the link's reader, and the timer's ticks
            AllowSynchronousContinuations = true,
        });
        using var linkStop = new CancellationTokenSource();
        await using var link = new RouterLink([settings.Address], linkOptions.Value, logs.CreateLogger<RouterLink>(),
            frame => inbox.Writer.TryWrite(frame) ? ValueTask.CompletedTask : inbox.Writer.WriteAsync(frame, linkStop.Token));
        var sink = new LinkFrameSink(link, _logger);
        var held = new HeldFrameSink(sink);
        var sm = new SessionManager(settings, SmStorage.Of(storage), held, logs, clock, configuration: configuration);
        sink.NotSent = sm.OnNotSent;
        var commit = new GroupCommit(sm, storage, () => storage.ScopesBegun, held, Math.Max(1, settings.GroupCommitFrames), _logger);
        _logger.LogInformation("Modules, in order: {Modules}", string.Join(", ", sm.Modules.Select(m => m.Name)));

        _ = TickAsync(inbox.Writer, clock, stoppingToken);
        link.StateChanged += linkState.Set;
        // Before any frame of a new link: sm's sessions are kept through a router restart (C2sLinks).
        link.StateChanged += up =>
        {
            if (up) inbox.Writer.TryWrite(SessionManager.RelinkedFrame);
        };
        link.FrameFailed += (frame, _) =>
        {
            sm.LinkFailed(frame);
            inbox.Writer.TryWrite(SessionManager.TickFrame);
        };
        SmTelemetry.ObserveCircuit(() => (int)link.RequestCircuit);
        _ = AnnounceReadyAsync(link, settings.Address, stoppingToken);

        var linkTask = link.RunAsync(linkStop.Token);
        try
        {
            await foreach (var frame in inbox.Reader.ReadAllAsync(stoppingToken))
            {
                await commit.HandleAsync(frame, inbox.Reader);
                SmTelemetry.SetSessions(sm.Sessions.Count);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // A graceful stop: finish what the router delivered, send what it caused, then leave. What
        // could not be sent any more is handled as undelivered (messages to offline storage); c2s
        // keeps its clients and re-attaches their sessions on the next sm (Sm:EndSessionsOnShutdown false).
        var drained = await DrainInboxAsync(inbox.Reader, commit, DrainTimeout);
        var announced = sm.StreamManagement.AnnounceTaken(); // XEP-0198 sessions re-attach on the next sm from exactly these counts
        if (announced > 0) _logger.LogInformation("Stopping: told c2s the final counts of {Count} stream-managed sessions", announced);
        var ended = settings.EndSessionsOnShutdown ? sm.Shutdown() : 0;
        held.Release();
        if (ended > 0) _logger.LogInformation("Ended {Count} sessions for shutdown", ended);
        if (!await link.FlushAsync(FlushGrace)) _logger.LogWarning("Stopping: the router link did not take every frame within {Grace}", FlushGrace);
        await linkStop.CancelAsync();
        try
        {
            await linkTask;
        }
        catch (OperationCanceledException)
        {
        }
        drained += await DrainInboxAsync(inbox.Reader, commit, DrainTimeout); // what arrived while the link closed
        var unsent = link.TakeUnsent();
        foreach (var frame in unsent) sm.LinkFailed(frame);
        if (unsent.Count > 0)
        {
            _logger.LogWarning("Stopping: {Count} frames could not be sent to the router; handled as undelivered", unsent.Count);
            await commit.HandleAsync(SessionManager.TickFrame, inbox.Reader);
        }
        _logger.LogInformation("Stopped: {Frames} frames handled after the stop began, {Sessions} sessions left for c2s to re-attach", drained, sm.Sessions.Count);
    }

    /// <summary>Time given to frames already received to be handled when sm stops.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(2);

    private async Task<int> DrainInboxAsync(ChannelReader<Frame> inbox, GroupCommit commit, TimeSpan timeout)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var frames = 0;
        while (started.Elapsed < timeout && inbox.TryRead(out var frame))
        {
            if (ReferenceEquals(frame, SessionManager.TickFrame) || ReferenceEquals(frame, SessionManager.RelinkedFrame)) continue;
            await commit.HandleAsync(frame, inbox);
            frames++;
        }
        if (inbox.TryPeek(out _)) _logger.LogWarning("Stopping: frames still waiting after {Timeout} are not handled", timeout);
        return frames;
    }

    /// <summary>Hands sm its <see cref="SessionManager.TickFrame"/> once a second, on the single consumer: XEP-0198 resumption timeouts, c2s grace periods, frames the link failed.</summary>
    private static async Task TickAsync(ChannelWriter<Frame> inbox, TimeProvider clock, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), clock);
        try
        {
            while (await timer.WaitForNextTickAsync(ct)) inbox.TryWrite(SessionManager.TickFrame);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Logs READY once the router link is up and the health and metrics endpoints listen.</summary>
    private async Task AnnounceReadyAsync(RouterLink link, string address, CancellationToken ct)
    {
        try
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
            await Task.WhenAll(link.WaitUpAsync(ct), started.Task.WaitAsync(ct));
            _logger.LogInformation("READY {Address} linked", address);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
