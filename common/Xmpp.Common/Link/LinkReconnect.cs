using Polly;
using Polly.Retry;

namespace Xmpp.Common.Link;

/// <summary>
/// The reconnect loop of a router link as a Polly v8 retry pipeline, without end. The schedule
/// (<see cref="DelayFor"/>): the first Router:RetryFastAttempts retries of an outage come every
/// Router:RetryBaseDelay (with jitter), so a restarted router (back in 1-2 s) is re-linked within
/// about that delay of being ready; only an outage that outlasts them backs off exponentially, up
/// to Router:RetryMaxDelay. A link attempt that ends normally was a healthy link (bound and up for
/// at least Router:RetryResetAfter, or the router said it was stopping): the schedule starts over
/// and the next attempt is immediate. An attempt that throws (connect or bind failed, or a link
/// that dropped soon after binding) is retried after the next delay of the same outage.
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
                DelayGenerator = args => new ValueTask<TimeSpan?>(DelayFor(args.AttemptNumber, options, Random.Shared.NextDouble())),
                OnRetry = args =>
                {
                    onRetry(args.AttemptNumber, args.RetryDelay, args.Outcome.Exception);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>
    /// The wait before retry <paramref name="attempt"/> (0 first) of an outage: Router:RetryBaseDelay
    /// for the first Router:RetryFastAttempts, then doubling from there up to Router:RetryMaxDelay;
    /// each between 75 % and 125 % of that (<paramref name="random"/> in [0, 1) picks where), never above the maximum.
    /// </summary>
    public static TimeSpan DelayFor(int attempt, RouterLinkOptions options, double random)
    {
        var nominal = options.RetryBaseDelay;
        var doublings = attempt - options.RetryFastAttempts + 1;
        if (doublings > 0) nominal = TimeSpan.FromTicks((long)Math.Min(options.RetryMaxDelay.Ticks, nominal.Ticks * Math.Pow(2, Math.Min(doublings, 30))));
        var jittered = TimeSpan.FromTicks((long)(nominal.Ticks * (0.75 + 0.5 * random)));
        return jittered < options.RetryMaxDelay ? jittered : options.RetryMaxDelay;
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
