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
        return RunAsync(static call => call(), call, _ => what, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="call"/> on <paramref name="state"/> under the policy, without a closure per call;
    /// <paramref name="describe"/> names it in the log, and only runs when something is logged.
    /// </summary>
    public Task<T> RunAsync<TState, T>(Func<TState, Task<T>> call, TState state, Func<TState, string> describe, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(describe);
        var attempt = new Attempt<TState, T>(call, state, describe, cancellationToken);
        var pending = attempt.Start();

        // An answer that is already there needs neither the stall race nor a retry.
        return pending.IsCompletedSuccessfully ? pending : RetryAsync(attempt, pending, DateTime.UtcNow + Budget, raceStalledCalls: true);
    }

    private async Task<T> RetryAsync<TState, T>(Attempt<TState, T> attempt, Task<T> pending, DateTime deadline, bool raceStalledCalls)
    {
        var delay = FirstDelay;
        var cancellationToken = attempt.CancellationToken;
        for (var number = 1; ; number++)
        {
            if (raceStalledCalls && !pending.IsCompleted)
            {
                // One timer per call, and only for calls not answered at once; no linked token source and no second task.
                await ((Task)pending).WaitAsync(StallLimit).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

                // A call whose caller gave up is not raced: its answer is no longer wanted.
                if (!pending.IsCompleted && !cancellationToken.IsCancellationRequested)
                {
                    LogStalled(logger, attempt.What, StallLimit.TotalSeconds);
                    return await FirstSuccessAsync(pending, RetryAsync(attempt, attempt.Start(), deadline, raceStalledCalls: false));
                }
            }

            try
            {
                return await pending;
            }
            catch (Exception ex) when (IsTransient(ex) && DateTime.UtcNow + delay < deadline && !cancellationToken.IsCancellationRequested)
            {
                LogRetry(logger, ex.GetType().Name, attempt.What, number);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LongestDelay.Ticks));
                pending = attempt.Start();
            }
        }
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

    /// <summary>A call and its arguments, started as often as the policy needs.</summary>
    private sealed class Attempt<TState, T>(Func<TState, Task<T>> call, TState state, Func<TState, string> describe, CancellationToken cancellationToken)
    {
        public CancellationToken CancellationToken => cancellationToken;

        public string What => describe(state);

        /// <summary>One attempt, its errors (thrown at once or later) in the task.</summary>
        public Task<T> Start()
        {
            try
            {
                return call(state);
            }
            catch (Exception ex)
            {
                return Task.FromException<T>(ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Error} on {What}; retrying (attempt {Attempt}) while the cluster fails over")]
    private static partial void LogRetry(ILogger logger, string error, string what, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No answer on {What} after {Seconds} s (the call may have been lost with a silo); trying again alongside it")]
    private static partial void LogStalled(ILogger logger, string what, double seconds);
}
