using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Xmpp.Protos;

namespace Xmpp.Common.Link;

/// <summary>
/// A component's one long-lived Router.Link stream: connects, binds its addresses, sends frames
/// from a queue, hands received frames to the component, pairs requests with their answers,
/// and reconnects with backoff when the link drops (<see cref="LinkReconnect"/>).
/// The send queue outlives the link (<see cref="LinkSendQueue"/>): what is sent while the router
/// is away waits (bounded by Router:OfflineQueueBytes and Router:OfflineQueueTimeout) and goes out
/// on the next link; what cannot wait, or was being written when the link broke, is handed back
/// through <see cref="FrameFailed"/> so its sender answers for it. Nothing vanishes unreported.
/// Requests (<see cref="RequestAsync"/>) run through a Polly pipeline: a timeout and a circuit
/// breaker whose state is <see cref="RequestCircuit"/>.
/// </summary>
public sealed class RouterLink : IAsyncDisposable
{
    /// <summary>The component address the router uses for its own events (the router stopping).</summary>
    public const string RouterEventAddress = "router";

    private readonly string[] _addresses;
    private readonly RouterLinkOptions _options;
    private readonly ILogger _logger;
    private readonly Func<Frame, ValueTask> _onFrame;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<Frame>> _pending = new();
    private readonly LinkReconnect _reconnect;
    private readonly ResiliencePipeline _requests;
    private readonly CircuitBreakerStateProvider _circuit = new();
    private readonly LinkSendQueue _queue;
    private readonly Lock _writerLock = new();
    private BatchWriter<PendingFrame>? _writer; // the current link's, while one is up
    private readonly List<Frame> _retryFirst = []; // a batch whose write failed: first out on the next link (guarded by _writerLock)
    private long _retryFirstSince;
    private volatile bool _up;
    private volatile bool _routerStopping;
    private long _requestCounter;
    private TaskCompletionSource _upSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly RouterLinkTls _tls;

    public RouterLink(IEnumerable<string> addresses, RouterLinkOptions options, ILogger logger, Func<Frame, ValueTask> onFrame, TimeProvider? clock = null)
    {
        _addresses = addresses.ToArray();
        if (_addresses.Length == 0) throw new ArgumentException("a component binds at least one address", nameof(addresses));
        _options = options;
        _logger = logger;
        _onFrame = onFrame;
        _clock = clock ?? TimeProvider.System;
        _queue = new LinkSendQueue(_clock);
        _tls = RouterLinkTls.FromOptions(options); // throws naming the missing setting: no certificate, no link
        _reconnect = new LinkReconnect(options, _clock, (attempt, delay, error) =>
        {
            if (error is not null) ConnectFailed?.Invoke(error);
            _logger.LogWarning("Router link to {Router} failed ({Error}); retry {Attempt} in {Delay}",
                _options.Address, Describe(error), attempt + 1, delay);
        });
        _requests = new ResiliencePipelineBuilder { TimeProvider = _clock }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<IOException>().Handle<TimeoutRejectedException>(),
                FailureRatio = options.BreakerFailureRatio,
                MinimumThroughput = Math.Max(2, options.BreakerMinimumThroughput),
                SamplingDuration = options.BreakerSamplingDuration,
                BreakDuration = options.BreakerBreakDuration,
                StateProvider = _circuit,
                OnOpened = args =>
                {
                    _logger.LogWarning("Router requests are failing ({Error}): the circuit is open for {Duration}; requests fail at once meanwhile",
                        args.Outcome.Exception?.Message, args.BreakDuration);
                    return default;
                },
                OnClosed = _ =>
                {
                    _logger.LogInformation("Router requests succeed again: the circuit is closed");
                    return default;
                },
            })
            .AddTimeout(options.RequestTimeout)
            .Build();
    }

    /// <summary>The error's message, with the reason a router certificate was rejected when that was the cause.</summary>
    private string? Describe(Exception? e) =>
        _tls.LastRejection is { } rejection && e is RpcException { StatusCode: StatusCode.Unavailable } ? $"{e.Message}; {rejection}" : e?.Message;

    /// <summary>This component's own address (the first one bound), used as `from` on frames it sends.</summary>
    public string Address => _addresses[0];

    public bool IsUp => _up;

    /// <summary>The request circuit breaker's state (0 closed, 1 open, 2 half-open, 3 isolated), for the process's gauge.</summary>
    public CircuitState RequestCircuit => _circuit.CircuitState;

    /// <summary>Frames waiting for the router (while the link is down, or written too slowly).</summary>
    public long QueuedBytes => _queue.QueuedBytes;

    /// <summary>Raised when an attempt to connect and bind failed (a retry follows), with the error ("bind refused: ..." for a refused bind).</summary>
    public event Action<Exception>? ConnectFailed;

    /// <summary>Raised with true when the link is bound, false when it drops.</summary>
    public event Action<bool>? StateChanged;

    /// <summary>
    /// A frame accepted by <see cref="Send"/> that will not reach the router: it waited longer than
    /// Router:OfflineQueueTimeout, or the link broke while it was being written. Raised with the
    /// frame and the reason (logged here); the sender counts it and answers for it as if Send had
    /// refused it (a message to offline storage, an error to the client, ...).
    /// </summary>
    public event Action<Frame, string>? FrameFailed;

    /// <summary>Completes when the link is up (bound).</summary>
    public Task WaitUpAsync(CancellationToken ct) => _upSignal.Task.WaitAsync(ct);

    /// <summary>Runs until cancelled: connect, bind, pump frames; on a drop, reconnect with backoff.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        using var expiry = ExpireWhileDownAsync(ct);
        await _reconnect.RunAsync(async token =>
        {
            // A channel per attempt: a gRPC channel whose connection failed backs off by itself (1 s,
            // growing to 2 min) and fails calls at once meanwhile, which would keep the link down
            // long after the router is back; the schedule is LinkReconnect's alone.
            using var channel = NewChannel();
            try
            {
                await RunOnceAsync(new Router.RouterClient(channel), token);
            }
            catch (RpcException) when (token.IsCancellationRequested)
            {
                throw new OperationCanceledException(token);
            }
        }, ct);
        await expiry;
    }

    private GrpcChannel NewChannel() => GrpcChannel.ForAddress(_options.Address, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = false,
            KeepAlivePingDelay = TimeSpan.FromSeconds(20),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            ConnectTimeout = _options.ConnectTimeout,
            SslOptions = _tls.ClientOptions(),
        },
        MaxReceiveMessageSize = 16 * 1024 * 1024,
        MaxSendMessageSize = 16 * 1024 * 1024,
    });

    /// <summary>One link: connect, bind, pump. Returns normally after a healthy link (the back-off starts over), throws otherwise.</summary>
    private async Task RunOnceAsync(Router.RouterClient client, CancellationToken ct)
    {
        using var linkCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var call = client.Link(cancellationToken: linkCts.Token);
        var bind = new Frame { From = Address, Bind = new Bind() };
        bind.Bind.Addresses.AddRange(_addresses);
        await call.RequestStream.WriteAsync(new FrameBatch { Frames = { bind } }, ct);
        if (!await call.ResponseStream.MoveNext(ct) || call.ResponseStream.Current.Frames.Count == 0)
            throw new IOException("router closed the link before answering bind");
        var first = call.ResponseStream.Current.Frames;
        var answer = first[0];
        if (answer.BodyCase != Frame.BodyOneofCase.BindResult || !answer.BindResult.Ok)
            throw new BindRefusedException(answer.BindResult?.Reason ?? "no bind result");

        _logger.LogInformation("Router link up at {Router} as {Addresses}; {Frames} frames ({Bytes} bytes) waiting go out first",
            _options.Address, string.Join(",", _addresses), _queue.Count, _queue.QueuedBytes);
        _routerStopping = false;
        var writer = new BatchWriter<PendingFrame>(_queue.Reader, _queue.Taken, _options.MaxBatchBytes, e =>
        {
            if (linkCts.IsCancellationRequested) return; // the link is being torn down anyway
            _logger.LogWarning("Writing to the router failed: {Error}", e.Message);
            try { linkCts.Cancel(); } catch (ObjectDisposedException) { /* the link is already gone */ }
        })
        {
            // A failed write did not reach the router (a gRPC message is whole or nothing): it goes first on the next link.
            Unwritten = frames =>
            {
                lock (_writerLock)
                {
                    if (_retryFirst.Count == 0) _retryFirstSince = _clock.GetTimestamp();
                    _retryFirst.AddRange(frames);
                }
                _logger.LogWarning("{Count} frames were being written when the router link broke; they go first on the next link", frames.Count);
            },
        };
        Frame[] retry;
        lock (_writerLock)
        {
            retry = _retryFirst.ToArray();
            _retryFirst.Clear();
        }
        if (retry.Length > 0)
        {
            try
            {
                await call.RequestStream.WriteAsync(new FrameBatch { Frames = { retry } }, ct);
            }
            catch
            {
                lock (_writerLock) _retryFirst.InsertRange(0, retry);
                throw;
            }
            _logger.LogInformation("{Count} frames whose write had failed on the last link were sent again", retry.Length);
        }
        lock (_writerLock) _writer = writer;
        writer.Attach(call.RequestStream, linkCts.Token);
        var upSince = _clock.GetTimestamp();
        SetUp(true);
        try
        {
            for (var i = 1; i < first.Count; i++)
                await DispatchAsync(first[i], call, writer);
            while (await call.ResponseStream.MoveNext(linkCts.Token))
                foreach (var frame in call.ResponseStream.Current.Frames)
                    await DispatchAsync(frame, call, writer);
            _logger.LogWarning("Router closed the link{Why}", _routerStopping ? " (it is stopping)" : "");
        }
        catch (RpcException e) when (!ct.IsCancellationRequested)
        {
            _logger.LogWarning("Router link dropped: {Status}", e.StatusCode);
        }
        finally
        {
            linkCts.Cancel();
            await writer.StopAsync(); // after this nothing reads the queue but the expiry
            lock (_writerLock) _writer = null;
            SetUp(false);
            if (_queue.Count > 0)
                _logger.LogWarning("{Frames} frames ({Bytes} bytes) wait for the next router link (at most {Timeout} each)",
                    _queue.Count, _queue.QueuedBytes, _options.OfflineQueueTimeout);
        }
        ct.ThrowIfCancellationRequested();
        // A link that was healthy resets the back-off; one that dropped soon after binding goes on with it.
        if (_routerStopping || _clock.GetElapsedTime(upSince) >= _options.RetryResetAfter) return;
        throw new IOException("router link lost soon after binding");
    }

    private void SetUp(bool up)
    {
        _up = up;
        if (up)
        {
            _upSignal.TrySetResult();
        }
        else
        {
            _upSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            // Requests waiting for answers fail now: their answers went with the link.
            foreach (var (id, tcs) in _pending)
                if (_pending.TryRemove(id, out _)) tcs.TrySetException(new IOException("router link lost"));
        }
        StateChanged?.Invoke(up);
    }

    private async ValueTask DispatchAsync(Frame frame, AsyncDuplexStreamingCall<FrameBatch, FrameBatch> call, BatchWriter<PendingFrame> writer)
    {
        if (frame.BodyCase == Frame.BodyOneofCase.Component && frame.Component.Address == RouterEventAddress && !frame.Component.Up)
        {
            // The router is stopping: send nothing more to it (what is sent from now on waits for
            // the next router), and say so by half-closing, so it can finish writing to us.
            _routerStopping = true;
            _logger.LogInformation("The router is stopping; frames wait for the next one");
            _ = HalfCloseAsync(call, writer);
        }
        if (frame.BodyCase == Frame.BodyOneofCase.Session && frame.Session.RequestId.Length > 0 &&
            _pending.TryRemove(frame.Session.RequestId, out var tcs))
        {
            tcs.TrySetResult(frame);
            return;
        }
        try
        {
            await _onFrame(frame);
        }
        catch (Exception e)
        {
            // One bad frame must not take the link down.
            _logger.LogError(e, "Handling a {Kind} frame from {From} failed", frame.BodyCase, frame.From);
        }
    }

    private async Task HalfCloseAsync(AsyncDuplexStreamingCall<FrameBatch, FrameBatch> call, BatchWriter<PendingFrame> writer)
    {
        try
        {
            await writer.StopAsync();
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException or IOException or OperationCanceledException)
        {
            _logger.LogDebug("Half-closing the router link failed: {Error}", e.Message);
        }
    }

    /// <summary>While no link is up, hands back the frames that waited longer than Router:OfflineQueueTimeout.</summary>
    private async Task ExpireWhileDownAsync(CancellationToken ct)
    {
        var period = TimeSpan.FromTicks(Math.Clamp(_options.OfflineQueueTimeout.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromSeconds(1).Ticks));
        using var timer = new PeriodicTimer(period, _clock);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
                ExpireNow();
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Hands back the queued frames older than Router:OfflineQueueTimeout, unless a link's writer is reading the queue.</summary>
    public int ExpireNow()
    {
        List<Frame> expired;
        lock (_writerLock)
        {
            if (_writer is not null) return 0;
            expired = _queue.TakeExpired(_options.OfflineQueueTimeout);
            if (_retryFirst.Count > 0 && _clock.GetElapsedTime(_retryFirstSince) > _options.OfflineQueueTimeout)
            {
                expired.InsertRange(0, _retryFirst);
                _retryFirst.Clear();
            }
        }
        if (expired.Count > 0) Fail(expired, $"it waited more than {_options.OfflineQueueTimeout.TotalSeconds:0.#} s for the router");
        return expired.Count;
    }

    private void Fail(IReadOnlyList<Frame> frames, string reason)
    {
        _logger.LogWarning("{Count} frames could not be sent to the router: {Reason}; each goes back to its sender", frames.Count, reason);
        foreach (var frame in frames)
        {
            if (frame.BodyCase == Frame.BodyOneofCase.Session && frame.Session.RequestId.Length > 0 &&
                _pending.TryRemove(frame.Session.RequestId, out var tcs))
                tcs.TrySetException(new IOException($"router link: {reason}"));
            try
            {
                FrameFailed?.Invoke(frame, reason);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Handling a failed {Kind} frame failed", frame.BodyCase);
            }
        }
    }

    /// <summary>
    /// Queues a frame for the router, stamping `from` and the current trace context. While the link
    /// is down the frame waits for the next one (at most Router:OfflineQueueBytes in all, each at
    /// most Router:OfflineQueueTimeout, else <see cref="FrameFailed"/>). False if the queue is full
    /// (Router:MaxSendQueueBytes while up, Router:OfflineQueueBytes while down; logged here at most
    /// once a second; the caller counts it and answers for the frame).
    /// </summary>
    public bool Send(Frame frame)
    {
        if (frame.From.Length == 0) frame.From = Address;
        if (frame.Trace is null && Activity.Current is { } activity)
            frame.Trace = new TraceContext { Traceparent = activity.Id ?? "", Tracestate = activity.TraceStateString ?? "" };
        var up = _up;
        if (!_queue.TryQueue(frame, up ? _options.MaxSendQueueBytes : _options.OfflineQueueBytes))
        {
            if (_fullWarnings.ShouldReport(out var refused))
                _logger.LogWarning("Router link {State} queue full ({Bytes} bytes waiting): {Count} frames refused since the last report",
                    up ? "send" : "offline", _queue.QueuedBytes, refused);
            return false;
        }
        Volatile.Read(ref _writer)?.WriteIfIdle();
        return true;
    }

    private readonly RateLimitedCount _fullWarnings = new();

    /// <summary>
    /// Sends a session action and waits for the answer with the same request id, within
    /// Router:RequestTimeout (a <see cref="TimeoutException"/>), through the request circuit
    /// breaker: while it is open, requests fail at once with an <see cref="IOException"/>.
    /// </summary>
    public async Task<Frame> RequestAsync(Frame frame, CancellationToken ct)
    {
        if (frame.Session is null) throw new ArgumentException("only session actions are requests", nameof(frame));
        if (frame.Session.RequestId.Length == 0)
            frame.Session.RequestId = $"{Address}#{Interlocked.Increment(ref _requestCounter)}";
        var id = frame.Session.RequestId;
        try
        {
            return await _requests.ExecuteAsync(async token =>
            {
                var tcs = new TaskCompletionSource<Frame>(TaskCreationOptions.RunContinuationsAsynchronously);
                _pending[id] = tcs;
                try
                {
                    if (!Send(frame)) throw new IOException("the router link's queue is full");
                    return await tcs.Task.WaitAsync(token);
                }
                finally
                {
                    _pending.TryRemove(id, out _);
                }
            }, ct);
        }
        catch (TimeoutRejectedException e)
        {
            throw new TimeoutException($"no answer to {frame.Session.Action} within {_options.RequestTimeout.TotalSeconds:0.#} s", e);
        }
        catch (BrokenCircuitException e)
        {
            throw new IOException("router requests are failing: the circuit breaker is open", e);
        }
    }

    /// <summary>After <see cref="RunAsync"/> ended: takes every frame still waiting for the router, for the component to answer for (a final stop).</summary>
    public IReadOnlyList<Frame> TakeUnsent()
    {
        lock (_writerLock)
        {
            if (_writer is not null) return [];
            var all = new List<Frame>(_retryFirst);
            _retryFirst.Clear();
            all.AddRange(_queue.TakeAll());
            return all;
        }
    }

    /// <summary>Waits (at most <paramref name="timeout"/>) until every queued frame was taken by a link's writer; false if some still wait.</summary>
    public async Task<bool> FlushAsync(TimeSpan timeout)
    {
        var until = _clock.GetTimestamp();
        while (_queue.Count > 0 && _up)
        {
            if (_clock.GetElapsedTime(until) > timeout) return false;
            await Task.Delay(10);
        }
        return _queue.Count == 0;
    }

    /// <summary>The router refused the bind (address taken, or not allowed by this component's certificate).</summary>
    public sealed class BindRefusedException(string reason) : IOException($"bind refused: {reason}");

    public ValueTask DisposeAsync()
    {
        _tls.Dispose();
        return default;
    }
}
