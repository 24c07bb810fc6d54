using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace OrleansMl.Gateway.Security;

/// <summary>
/// Rate limits per credential: the key's id, the token's subject, or for callers without credentials their remote
/// address. All requests share <c>OrleansMl__Limits__RequestsPerSecond</c> (ASP.NET Core's global limiter); dataset uploads
/// and training also draw on <see cref="TrainingLimiter"/>, shared by REST and MCP. Both answer 429 with Retry-After.
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

    public static Task RejectAsync(HttpContext context, RateLimitLease lease, string detail)
    {
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Problems.WriteAsync(context, StatusCodes.Status429TooManyRequests, "Too many requests", $"{detail} Retry after {seconds} s.");
    }

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

/// <summary>The lower limit for dataset uploads and training, per credential, for REST and MCP together.</summary>
internal sealed class TrainingLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _limiter;

    public TrainingLimiter(IOptions<LimitsOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        PerMinute = options.Value.TrainingRequestsPerMinute;
        if (PerMinute > 0)
        {
            // A permit comes back every 60/N seconds (at most one refill per second), up to a burst of N.
            var period = TimeSpan.FromSeconds(Math.Max(1.0, 60.0 / PerMinute));
            var tokens = Math.Max(1, (int)Math.Round(PerMinute * period.TotalMinutes));
            _limiter = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
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

    /// <summary>Takes one permit for <paramref name="partition"/>; null when the limit is off. Dispose the lease.</summary>
    public RateLimitLease? Acquire(string partition) => _limiter?.AttemptAcquire(partition);

    public string Refusal(string who) =>
        $"More than {PerMinute} dataset uploads and training requests per minute (OrleansMl__Limits__TrainingRequestsPerMinute) from {who}.";

    public void Dispose() => _limiter?.Dispose();
}
