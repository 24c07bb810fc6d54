using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace OrleansMl.Gateway.Api;

/// <summary>
/// How the gateway carries an idempotent call (a REST GET, predict, cancel or alias change; a read-only or idempotent
/// MCP tool) through a cluster failover. Calls to the grains of a silo that just died are rejected until membership
/// evicts it (seconds), after which the grains re-activate elsewhere: such errors are retried with backoff for up to
/// <see cref="Budget"/>, which turns the window into latency instead of errors. A call that was on its way to the silo
/// at the instant it died is never answered (Orleans gives up only after its 30 s response timeout): once a call is
/// unanswered for <see cref="StallLimit"/>, a second attempt races it, and whichever answers first is the answer.
/// REST (<see cref="FailoverFilter"/>) and MCP (the tool call filter) both use this one policy.
/// </summary>
public sealed partial class FailoverPolicy(ILogger<FailoverPolicy> logger)
{
    /// <summary>How long a call is retried before the error is returned.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(20);

    /// <summary>How long a call may go unanswered before a second attempt races it.</summary>
    public static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LongestDelay = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Errors of a cluster that is failing over: the silo of the grain is gone (rejected, unavailable), the client's
    /// connection to a silo that just died cannot be opened again, or the answer did not come in time.
    /// </summary>
    public static bool IsTransient(Exception exception) => exception is
        OrleansMessageRejectionException or SiloUnavailableException or ConnectionFailedException or TimeoutException
        || (exception is OrleansException && exception.InnerException is { } inner && IsTransient(inner));

    /// <summary>
    /// Runs <paramref name="call"/>, which must be idempotent, under the policy. <paramref name="what"/> names it in
    /// the log (a route or a tool).
    /// </summary>
    public Task<T> RunAsync<T>(Func<Task<T>> call, string what, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        return RetryAsync(call, what, DateTime.UtcNow + Budget, raceStalledCalls: true, cancellationToken);
    }

    private async Task<T> RetryAsync<T>(Func<Task<T>> call, string what, DateTime deadline, bool raceStalledCalls, CancellationToken cancellationToken)
    {
        var delay = FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            var pending = StartAsync(call);
            if (raceStalledCalls && !await AnswersWithinAsync(pending, StallLimit, cancellationToken))
            {
                LogStalled(logger, what, StallLimit.TotalSeconds);
                return await FirstSuccessAsync(pending, RetryAsync(call, what, deadline, raceStalledCalls: false, cancellationToken));
            }

            try
            {
                return await pending;
            }
            catch (Exception ex) when (IsTransient(ex) && DateTime.UtcNow + delay < deadline && !cancellationToken.IsCancellationRequested)
            {
                LogRetry(logger, ex.GetType().Name, what, attempt);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LongestDelay.Ticks));
            }
        }
    }

    /// <summary>One attempt, its errors (thrown at once or later) in the task.</summary>
    private static async Task<T> StartAsync<T>(Func<Task<T>> call) => await call();

    /// <summary>Whether <paramref name="call"/> ends (either way) within <paramref name="time"/>, or the caller gives up.</summary>
    private static async Task<bool> AnswersWithinAsync(Task call, TimeSpan time, CancellationToken cancellationToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var first = await Task.WhenAny(call, Task.Delay(time, timer.Token));
        await timer.CancelAsync();
        return first == call || cancellationToken.IsCancellationRequested;
    }

    /// <summary>The answer of whichever attempt succeeds first; when both fail, the error of the one that failed last.</summary>
    private static async Task<T> FirstSuccessAsync<T>(Task<T> one, Task<T> other)
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Error} on {What}; retrying (attempt {Attempt}) while the cluster fails over")]
    private static partial void LogRetry(ILogger logger, string error, string what, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No answer on {What} after {Seconds} s (the call may have been lost with a silo); trying again alongside it")]
    private static partial void LogStalled(ILogger logger, string what, double seconds);
}
