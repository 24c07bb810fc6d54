using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace OrleansMl.Gateway.Security;

/// <summary>
/// Rate limits per credential: the key's id, the token's subject, or for callers without credentials their remote
/// address. All requests share <c>OrleansMl__Limits__RequestsPerSecond</c> (ASP.NET Core's global limiter, per gateway);
/// dataset uploads and training also draw on <see cref="TrainingLimiter"/>, shared by REST and MCP and counted across the
/// cluster. Both answer 429 with Retry-After.
/// </summary>
internal static class RateLimits
{
    public static void Configure(RateLimiterOptions options, LimitsOptions limits)
    {
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.OnRejected = (context, _) => new ValueTask(RejectAsync(context.HttpContext, context.Lease,
            $"More than {limits.RequestsPerSecond} requests per second (OrleansMl__Limits__RequestsPerSecond) from {Describe(context.HttpContext)}."));
        if (limits.RequestsPerSecond > 0)
        {
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                RateLimitPartition.GetTokenBucketLimiter(PartitionKey(context), _ => PerSecond(limits.RequestsPerSecond)));
        }
    }

    /// <summary>The credential a request is counted against.</summary>
    public static string PartitionKey(HttpContext context) =>
        (context.User as CallerPrincipal)?.Access.LimitKey ?? context.Connection.RemoteIpAddress?.ToString() ?? "local";

    public static Task RejectAsync(HttpContext context, RateLimitLease lease, string detail) =>
        RejectAsync(context, lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1), detail);

    public static Task RejectAsync(HttpContext context, TimeSpan retryAfter, string detail)
    {
        var seconds = RetryAfterSeconds(retryAfter);
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Problems.WriteAsync(context, StatusCodes.Status429TooManyRequests, "Too many requests", $"{detail} Retry after {seconds} s.");
    }

    /// <summary>Whole seconds to wait, at least one.</summary>
    public static int RetryAfterSeconds(TimeSpan retryAfter) => Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));

    public static string Describe(HttpContext context) =>
        (context.User as CallerPrincipal)?.Access is { LimitKey: not null } access ? access.Description : $"address {PartitionKey(context)}";

    private static TokenBucketRateLimiterOptions PerSecond(int rate) => new()
    {
        TokenLimit = rate,
        TokensPerPeriod = rate,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}

/// <summary>
/// The lower limit for dataset uploads and training, per credential, for REST and MCP together, counted across the
/// cluster: each caller's budget is its <see cref="ITrainingBudgetGrain"/>, which every gateway asks. While that grain
/// cannot be reached (a rolling upgrade from a release without it, a cluster that lost its silos), each gateway counts
/// on its own, with the same limit, and says so in its log once.
/// </summary>
internal sealed partial class TrainingLimiter : IDisposable
{
    private readonly IGrainFactory _grains;
    private readonly ILogger<TrainingLimiter> _logger;
    private readonly PartitionedRateLimiter<string>? _local;
    private int _countingLocally;

    public TrainingLimiter(IOptions<LimitsOptions> options, IGrainFactory grains, ILogger<TrainingLimiter> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        (_grains, _logger) = (grains, logger);
        PerMinute = options.Value.TrainingRequestsPerMinute;
        if (PerMinute > 0)
        {
            // A permit comes back every 60/N seconds (at most one refill per second), up to a burst of N.
            var period = TimeSpan.FromSeconds(Math.Max(1.0, 60.0 / PerMinute));
            var tokens = Math.Max(1, (int)Math.Round(PerMinute * period.TotalMinutes));
            _local = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = PerMinute,
                TokensPerPeriod = tokens,
                ReplenishmentPeriod = period,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
        }
    }

    public int PerMinute { get; }

    /// <summary>
    /// Takes one request from <paramref name="partition"/>'s budget: null when it was taken or the limit is off, else how
    /// long until one is free (and nothing was taken).
    /// </summary>
    public async ValueTask<TimeSpan?> TryTakeAsync(string partition)
    {
        if (_local is null)
        {
            return null;
        }

        try
        {
            var wait = await _grains.GetGrain<ITrainingBudgetGrain>(partition).TryTakeAsync(PerMinute);
            if (Interlocked.Exchange(ref _countingLocally, 0) == 1)
            {
                LogCountingInCluster(PerMinute);
            }

            return wait;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            if (Interlocked.Exchange(ref _countingLocally, 1) == 0)
            {
                LogCountingLocally(error, PerMinute);
            }

            using var lease = _local.AttemptAcquire(partition);
            return lease.IsAcquired ? null : lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
        }
    }

    public string Refusal(string who) =>
        $"More than {PerMinute} dataset uploads and training requests per minute (OrleansMl__Limits__TrainingRequestsPerMinute) from {who}.";

    public void Dispose() => _local?.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cluster's budgets of dataset uploads and training requests cannot be reached; this gateway counts its own ({PerMinute} a minute per caller) until they can.")]
    private partial void LogCountingLocally(Exception error, int perMinute);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dataset uploads and training requests are counted across the cluster again ({PerMinute} a minute per caller).")]
    private partial void LogCountingInCluster(int perMinute);
}
