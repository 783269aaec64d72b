using Polly;
using Polly.Retry;

namespace Xmpp.Common.Link;

/// <summary>
/// The reconnect loop of a router link as a Polly v8 retry pipeline: exponential back-off with
/// jitter from Router:RetryBaseDelay up to Router:RetryMaxDelay, without end. A link attempt that
/// ends normally was a healthy link (bound and up for at least Router:RetryResetAfter, or the
/// router said it was stopping): the back-off starts over, the next attempt is immediate and a
/// later outage waits Router:RetryBaseDelay again, not what the last outage had grown to. An
/// attempt that throws (connect or bind failed, or a link that dropped soon after binding) is
/// retried after the next delay.
/// </summary>
public sealed class LinkReconnect
{
    private readonly ResiliencePipeline _pipeline;

    /// <param name="onRetry">Told of each failed attempt: the attempt number within the current outage (0 first), the delay before the next, the error.</param>
    public LinkReconnect(RouterLinkOptions options, TimeProvider clock, Action<int, TimeSpan, Exception?> onRetry)
    {
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = clock }
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
                    onRetry(args.AttemptNumber, args.RetryDelay, args.Outcome.Exception);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>Runs <paramref name="attempt"/> again and again until cancelled (see the class summary).</summary>
    public async Task RunAsync(Func<CancellationToken, Task> attempt, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await _pipeline.ExecuteAsync(async token => await attempt(token), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
        }
    }
}
