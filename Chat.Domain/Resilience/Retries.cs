using Polly;
using Polly.Retry;

namespace Chat.Domain.Resilience;

/// <summary>
/// Every wait-and-try-again of the project, as Polly resilience pipelines: exponential back-off with jitter between a
/// first and a longest delay. Build a pipeline once (a static or a singleton's field) and run it many times.
/// </summary>
public static class Retries
{
    /// <summary>
    /// Tries something another process holds for a moment (a lock, a first request still running) until
    /// <paramref name="notYet"/> is false, for about <paramref name="within"/>; then the last outcome is returned as it is.
    /// </summary>
    public static ResiliencePipeline<T> WaitFor<T>(Func<T, bool> notYet, TimeSpan within, TimeSpan first, TimeSpan longest) =>
        new ResiliencePipelineBuilder<T>().AddRetry(new RetryStrategyOptions<T>
        {
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is null && notYet(args.Outcome.Result!)),
            MaxRetryAttempts = AttemptsWithin(within, first, longest),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = first,
            MaxDelay = longest,
        }).Build();

    /// <summary>
    /// Retries up to <paramref name="attempts"/> times while <paramref name="transient"/> says the failure will pass (a
    /// dependency is down or reconnecting), calling <paramref name="onRetry"/> before each wait. Anything else, the last
    /// failure, and any failure once the caller's token is cancelled (the process is stopping) propagates.
    /// </summary>
    public static ResiliencePipeline OnTransient(Func<Exception, bool> transient, int attempts, TimeSpan first, TimeSpan longest,
        Action<int, TimeSpan, Exception>? onRetry = null) =>
        new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = args => ValueTask.FromResult(!args.Context.CancellationToken.IsCancellationRequested
                                                        && args.Outcome.Exception is { } e && transient(e)),
            MaxRetryAttempts = attempts,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = first,
            MaxDelay = longest,
            OnRetry = args =>
            {
                onRetry?.Invoke(args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception!);
                return default;
            },
        }).Build();

    /// <summary>As <see cref="OnTransient"/>, for as long as it takes (a worker waiting for its database).</summary>
    public static ResiliencePipeline Forever(Func<Exception, bool> transient, TimeSpan first, TimeSpan longest,
        Action<int, TimeSpan, Exception> onRetry) => OnTransient(transient, int.MaxValue, first, longest, onRetry);

    /// <summary>How many tries of an exponential schedule fit in a time budget (jitter averages out).</summary>
    private static int AttemptsWithin(TimeSpan budget, TimeSpan first, TimeSpan longest)
    {
        var (attempts, spent, delay) = (0, TimeSpan.Zero, first);
        for (; spent < budget; attempts++, delay = delay * 2 < longest ? delay * 2 : longest) spent += delay;
        return Math.Max(1, attempts);
    }
}
