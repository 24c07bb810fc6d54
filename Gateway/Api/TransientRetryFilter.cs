using Orleans.Runtime;

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

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var deadline = DateTime.UtcNow + Budget;
        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await next(context);
            }
            catch (Exception ex) when (IsTransient(ex) && DateTime.UtcNow + delay < deadline && !context.HttpContext.RequestAborted.IsCancellationRequested)
            {
                LogRetry(logger, ex.GetType().Name, context.HttpContext.Request.Path, attempt);
                await Task.Delay(delay, context.HttpContext.RequestAborted);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }
    }

    public static bool IsTransient(Exception exception) => exception is
        OrleansMessageRejectionException or SiloUnavailableException or TimeoutException
        || (exception is OrleansException && exception.InnerException is { } inner && IsTransient(inner));

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Error} on {Path}; retrying (attempt {Attempt}) while the cluster fails over")]
    private static partial void LogRetry(ILogger logger, string error, PathString path, int attempt);
}
