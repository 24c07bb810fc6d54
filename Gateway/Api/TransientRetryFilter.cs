using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace OrleansMl.Gateway.Api;

/// <summary>
/// Retries an idempotent endpoint while the cluster is failing over: calls to grains of a silo that just died are
/// rejected until membership evicts it (seconds), after which the grain re-activates elsewhere. Retrying for a
/// bounded time turns that window into added latency instead of errors.
/// </summary>
public sealed partial class TransientRetryFilter(ILogger<TransientRetryFilter> logger) : IEndpointFilter
{
    /// <summary>How long a call is retried before the error is returned.</summary>
    internal static readonly TimeSpan Budget = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long a call may go unanswered before a second attempt races it. A call that was on its way to a silo at the
    /// instant the silo died is never answered: the Orleans client gives up on it only after its response timeout
    /// (30 s), long after the cluster has recovered.
    /// </summary>
    internal static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(5);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        return await RetryAsync(context, next, DateTime.UtcNow + Budget, raceStalledCalls: true);
    }

    /// <summary>
    /// Errors of a cluster that is failing over: the silo of the grain is gone (rejected, unavailable), the client's
    /// connection to a silo that just died cannot be opened again, or the answer did not come in time.
    /// </summary>
    public static bool IsTransient(Exception exception) => exception is
        OrleansMessageRejectionException or SiloUnavailableException or ConnectionFailedException or TimeoutException
        || (exception is OrleansException && exception.InnerException is { } inner && IsTransient(inner));

    private async Task<object?> RetryAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next, DateTime deadline, bool raceStalledCalls)
    {
        var aborted = context.HttpContext.RequestAborted;
        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            var call = CallAsync(next, context);
            if (raceStalledCalls && !await AnswersWithinAsync(call, StallLimit, aborted))
            {
                // The endpoint is idempotent, so a second attempt is safe; whichever answers first is the answer.
                LogStalled(logger, context.HttpContext.Request.Path, StallLimit.TotalSeconds);
                return await FirstSuccessAsync(call, RetryAsync(context, next, deadline, raceStalledCalls: false));
            }

            try
            {
                return await call;
            }
            catch (Exception ex) when (IsTransient(ex) && DateTime.UtcNow + delay < deadline && !aborted.IsCancellationRequested)
            {
                LogRetry(logger, ex.GetType().Name, context.HttpContext.Request.Path, attempt);
                await Task.Delay(delay, aborted);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }
    }

    /// <summary>One call of the endpoint, its errors (thrown at once or later) in the task.</summary>
    private static async Task<object?> CallAsync(EndpointFilterDelegate next, EndpointFilterInvocationContext context) => await next(context);

    /// <summary>Whether <paramref name="call"/> ends (either way) within <paramref name="time"/>, or the request is aborted.</summary>
    private static async Task<bool> AnswersWithinAsync(Task call, TimeSpan time, CancellationToken aborted)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        var first = await Task.WhenAny(call, Task.Delay(time, timer.Token));
        await timer.CancelAsync();
        return first == call || aborted.IsCancellationRequested;
    }

    /// <summary>The answer of whichever attempt succeeds first; when both fail, the error of the one that failed last.</summary>
    private static async Task<object?> FirstSuccessAsync(Task<object?> one, Task<object?> other)
    {
        var first = await Task.WhenAny(one, other);
        var second = first == one ? other : one;
        if (first.IsCompletedSuccessfully)
        {
            // The loser may still fail (the stalled call times out): observe its error so it is not reported as unhandled.
            _ = second.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return await first;
        }

        _ = first.Exception;
        return await second;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Error} on {Path}; retrying (attempt {Attempt}) while the cluster fails over")]
    private static partial void LogRetry(ILogger logger, string error, PathString path, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No answer on {Path} after {Seconds} s (the call may have been lost with a silo); trying again alongside it")]
    private static partial void LogStalled(ILogger logger, PathString path, double seconds);
}
