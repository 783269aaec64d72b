using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Xmpp.Protos;

namespace Xmpp.Common.Link;

/// <summary>
/// A component's one long-lived Router.Link stream: connects, binds its addresses, sends frames
/// from a queue, hands received frames to the component, pairs requests with their answers,
/// and reconnects with backoff when the link drops.
/// </summary>
public sealed class RouterLink : IAsyncDisposable
{
    private readonly string[] _addresses;
    private readonly RouterLinkOptions _options;
    private readonly ILogger _logger;
    private readonly Func<Frame, ValueTask> _onFrame;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<Frame>> _pending = new();
    private readonly ResiliencePipeline _connectRetry;
    private volatile Outgoing? _out;
    private volatile bool _up;
    private long _requestCounter;
    private TaskCompletionSource _upSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly RouterLinkTls _tls;

    public RouterLink(IEnumerable<string> addresses, RouterLinkOptions options, ILogger logger, Func<Frame, ValueTask> onFrame)
    {
        _addresses = addresses.ToArray();
        if (_addresses.Length == 0) throw new ArgumentException("a component binds at least one address", nameof(addresses));
        _options = options;
        _logger = logger;
        _onFrame = onFrame;
        _tls = RouterLinkTls.FromOptions(options); // throws naming the missing setting: no certificate, no link
        _connectRetry = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                OnRetry = args =>
                {
                    if (args.Outcome.Exception is { } error) ConnectFailed?.Invoke(error);
                    _logger.LogWarning("Router link to {Router} failed ({Error}); retrying in {Delay}",
                        _options.Address, Describe(args.Outcome.Exception), args.RetryDelay);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>The error's message, with the reason a router certificate was rejected when that was the cause.</summary>
    private string? Describe(Exception? e) =>
        _tls.LastRejection is { } rejection && e is RpcException { StatusCode: StatusCode.Unavailable } ? $"{e.Message}; {rejection}" : e?.Message;

    /// <summary>This component's own address (the first one bound), used as `from` on frames it sends.</summary>
    public string Address => _addresses[0];

    public bool IsUp => _up;

    /// <summary>Raised when an attempt to connect and bind failed (a retry follows), with the error ("bind refused: ..." for a refused bind).</summary>
    public event Action<Exception>? ConnectFailed;

    /// <summary>Raised with true when the link is bound, false when it drops.</summary>
    public event Action<bool>? StateChanged;

    /// <summary>Completes when the link is up (bound).</summary>
    public Task WaitUpAsync(CancellationToken ct) => _upSignal.Task.WaitAsync(ct);

    /// <summary>Runs until cancelled: connect, bind, pump frames; on a drop, reconnect with backoff.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        using var channel = GrpcChannel.ForAddress(_options.Address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = false,
                KeepAlivePingDelay = TimeSpan.FromSeconds(20),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
                ConnectTimeout = TimeSpan.FromSeconds(5),
                SslOptions = _tls.ClientOptions(),
            },
            MaxReceiveMessageSize = 16 * 1024 * 1024,
            MaxSendMessageSize = 16 * 1024 * 1024,
        });
        var client = new Router.RouterClient(channel);

        while (!ct.IsCancellationRequested)
        {
            try
            {
                await _connectRetry.ExecuteAsync(async token =>
                {
                    try
                    {
                        await RunOnceAsync(client, token);
                    }
                    catch (RpcException) when (token.IsCancellationRequested)
                    {
                        throw new OperationCanceledException(token);
                    }
                }, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
        }
    }

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

        _logger.LogInformation("Router link up at {Router} as {Addresses}", _options.Address, string.Join(",", _addresses));
        var queue = Channel.CreateUnbounded<Frame>(new UnboundedChannelOptions { SingleReader = true });
        var outgoing = new Outgoing(queue.Writer);
        var writer = outgoing.Writer = new BatchWriter<Frame>(queue.Reader, frame =>
        {
            outgoing.Taken(frame);
            return frame;
        }, _options.MaxBatchBytes, e =>
        {
            queue.Writer.TryComplete();
            if (linkCts.IsCancellationRequested) return; // the link is being torn down anyway
            _logger.LogWarning("Writing to the router failed: {Error}", e.Message);
            try { linkCts.Cancel(); } catch (ObjectDisposedException) { /* the link is already gone */ }
        });
        writer.Attach(call.RequestStream, linkCts.Token);
        _out = outgoing;
        SetUp(true);
        try
        {
            for (var i = 1; i < first.Count; i++)
                await DispatchAsync(first[i]);
            while (await call.ResponseStream.MoveNext(linkCts.Token))
                foreach (var frame in call.ResponseStream.Current.Frames)
                    await DispatchAsync(frame);
            _logger.LogWarning("Router closed the link");
        }
        catch (RpcException e) when (!ct.IsCancellationRequested)
        {
            _logger.LogWarning("Router link dropped: {Status}", e.StatusCode);
        }
        finally
        {
            SetUp(false);
            linkCts.Cancel();
        }
        ct.ThrowIfCancellationRequested();
        throw new IOException("router link lost"); // let the retry pipeline reconnect with backoff
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
            // Frames queued for a dead link are dropped; requests waiting for answers fail now.
            _out?.Queue.TryComplete();
            _out = null;
            foreach (var (id, tcs) in _pending)
                if (_pending.TryRemove(id, out _)) tcs.TrySetException(new IOException("router link lost"));
        }
        StateChanged?.Invoke(up);
    }

    private async ValueTask DispatchAsync(Frame frame)
    {
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

    /// <summary>
    /// Queues a frame for the router, stamping `from` and the current trace context. False if the
    /// link is down or Router:MaxSendQueueBytes are queued already (logged here at most once a
    /// second; the caller counts it and answers for the frame).
    /// </summary>
    public bool Send(Frame frame)
    {
        if (frame.From.Length == 0) frame.From = Address;
        if (frame.Trace is null && Activity.Current is { } activity)
            frame.Trace = new TraceContext { Traceparent = activity.Id ?? "", Tracestate = activity.TraceStateString ?? "" };
        if (!_up || _out is not { } outgoing) return false;
        if (!outgoing.TryQueue(frame, _options.MaxSendQueueBytes))
        {
            if (_fullWarnings.ShouldReport(out var refused))
                _logger.LogWarning("Router link send queue full ({Bytes} bytes waiting): {Count} frames refused since the last report", outgoing.QueuedBytes, refused);
            return false;
        }
        outgoing.Writer!.WriteIfIdle();
        return true;
    }

    private readonly RateLimitedCount _fullWarnings = new();

    /// <summary>Sends a session action and waits for the answer with the same request id.</summary>
    public async Task<Frame> RequestAsync(Frame frame, CancellationToken ct)
    {
        if (frame.Session is null) throw new ArgumentException("only session actions are requests", nameof(frame));
        if (frame.Session.RequestId.Length == 0)
            frame.Session.RequestId = $"{Address}#{Interlocked.Increment(ref _requestCounter)}";
        var id = frame.Session.RequestId;
        var tcs = new TaskCompletionSource<Frame>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = tcs;
        try
        {
            if (!Send(frame)) throw new IOException("router link is down");
            return await tcs.Task.WaitAsync(_options.RequestTimeout, ct);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>The router refused the bind (address taken, or not allowed by this component's certificate).</summary>
    public sealed class BindRefusedException(string reason) : IOException($"bind refused: {reason}");

    /// <summary>The frames waiting for the current link, counted in bytes, and what writes them.</summary>
    private sealed class Outgoing(ChannelWriter<Frame> queue)
    {
        private long _bytes;

        public ChannelWriter<Frame> Queue => queue;
        public BatchWriter<Frame>? Writer { get; set; }
        public long QueuedBytes => Interlocked.Read(ref _bytes);

        /// <summary>Queues the frame unless that would pass <paramref name="maxBytes"/> (a frame alone always fits).</summary>
        public bool TryQueue(Frame frame, long maxBytes)
        {
            var size = FrameBatching.EstimatedSize(frame);
            var total = Interlocked.Add(ref _bytes, size);
            if ((total <= maxBytes || total == size) && queue.TryWrite(frame)) return true;
            Interlocked.Add(ref _bytes, -size);
            return false;
        }

        /// <summary>The writer took the frame into a batch.</summary>
        public void Taken(Frame frame) => Interlocked.Add(ref _bytes, -FrameBatching.EstimatedSize(frame));
    }

    public ValueTask DisposeAsync()
    {
        _out?.Queue.TryComplete();
        _tls.Dispose();
        return default;
    }
}
