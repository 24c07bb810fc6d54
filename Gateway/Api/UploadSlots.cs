using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using OrleansMl.Diagnostics;
using OrleansMl.Gateway.Security;

namespace OrleansMl.Gateway.Api;

/// <summary>
/// How many dataset uploads and row appends one gateway receives at once (<c>OrleansMl__Limits__ConcurrentUploads</c>):
/// each holds a buffer of up to a chunk (1 MiB) while its body arrives, so a crowd of slow or stalled senders could
/// otherwise hold the gateway's memory without bound. One more is refused with 503 and <c>Retry-After</c> before its
/// body is read; nothing is stored. Each caller (key, token subject, or remote address, as rate limits count them) has
/// a share of them (<c>OrleansMl__Limits__ConcurrentUploadsPerCaller</c>), so one caller cannot keep the others out;
/// one more from a caller at its share is a 429. The slot is taken by the route's filter, after the caller was authenticated,
/// authorized and counted against its rate limits, so callers refused on those grounds never hold one.
/// </summary>
internal sealed class UploadSlots : IDisposable
{
    private readonly ConcurrencyLimiter? _limiter;
    private readonly PartitionedRateLimiter<string>? _perCaller;

    public UploadSlots(IOptions<LimitsOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Limit = options.Value.ConcurrentUploads;
        PerCaller = options.Value.ConcurrentUploadsPerCaller;
        if (Limit > 0)
        {
            _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = Limit, QueueLimit = 0 });
        }

        if (PerCaller > 0)
        {
            _perCaller = PartitionedRateLimiter.Create<string, string>(caller =>
                RateLimitPartition.GetConcurrencyLimiter(caller, _ => new ConcurrencyLimiterOptions { PermitLimit = PerCaller, QueueLimit = 0 }));
        }
    }

    public int Limit { get; }

    public int PerCaller { get; }

    /// <summary>A slot for one upload, held until the lease is disposed; null when the limit is off.</summary>
    public RateLimitLease? Acquire() => _limiter?.AttemptAcquire();

    /// <summary>One of <paramref name="caller"/>'s own slots, held until the lease is disposed; null when that limit is off.</summary>
    public RateLimitLease? AcquireForCaller(string caller) => _perCaller?.AttemptAcquire(caller);

    public string Refusal => string.Create(CultureInfo.InvariantCulture,
        $"This gateway is already receiving {Limit} dataset uploads and row appends (OrleansMl__Limits__ConcurrentUploads); nothing was stored. Retry after 1 s.");

    public string CallerRefusal(string who) => string.Create(CultureInfo.InvariantCulture,
        $"This gateway is already receiving {PerCaller} dataset uploads and row appends from {who} (OrleansMl__Limits__ConcurrentUploadsPerCaller); nothing was stored. Retry after 1 s, or send them one after another.");

    public void Dispose()
    {
        _limiter?.Dispose();
        _perCaller?.Dispose();
    }
}

/// <summary>
/// Holds one of the caller's and one of the gateway's <see cref="UploadSlots"/> while the upload route runs, or refuses:
/// 429 when the caller has its share open, 503 when the gateway has all of them open.
/// </summary>
internal sealed class UploadSlotFilter(UploadSlots slots) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        // The caller's own share first: a caller over it is refused without taking one of everyone's slots.
        using var own = slots.AcquireForCaller(RateLimits.PartitionKey(context.HttpContext));
        if (own is { IsAcquired: false })
        {
            OrleansMlMetrics.UploadTurnedAway("caller");
            context.HttpContext.Response.Headers.RetryAfter = "1";
            return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many uploads at once",
                detail: slots.CallerRefusal(RateLimits.Describe(context.HttpContext)));
        }

        using var slot = slots.Acquire();
        if (slot is { IsAcquired: false })
        {
            OrleansMlMetrics.UploadTurnedAway("gateway");
            context.HttpContext.Response.Headers.RetryAfter = "1";
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Too many uploads at once", detail: slots.Refusal);
        }

        OrleansMlMetrics.UploadReceiving(1);
        try
        {
            return await next(context);
        }
        finally
        {
            OrleansMlMetrics.UploadReceiving(-1);
        }
    }
}
