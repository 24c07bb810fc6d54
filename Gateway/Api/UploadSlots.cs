using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using OrleansMl.Gateway.Security;

namespace OrleansMl.Gateway.Api;

/// <summary>
/// How many dataset uploads and row appends one gateway receives at once (<c>OrleansMl__Limits__ConcurrentUploads</c>):
/// each holds a buffer of up to a chunk (1 MiB) while its body arrives, so a crowd of slow or stalled senders could
/// otherwise hold the gateway's memory without bound. One more is refused with 503 and <c>Retry-After</c> before its
/// body is read; nothing is stored. The slot is taken by the route's filter, after the caller was authenticated,
/// authorized and counted against its rate limits, so callers refused on those grounds never hold one.
/// </summary>
internal sealed class UploadSlots : IDisposable
{
    private readonly ConcurrencyLimiter? _limiter;

    public UploadSlots(IOptions<LimitsOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Limit = options.Value.ConcurrentUploads;
        if (Limit > 0)
        {
            _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = Limit, QueueLimit = 0 });
        }
    }

    public int Limit { get; }

    /// <summary>A slot for one upload, held until the lease is disposed; null when the limit is off.</summary>
    public RateLimitLease? Acquire() => _limiter?.AttemptAcquire();

    public string Refusal => string.Create(CultureInfo.InvariantCulture,
        $"This gateway is already receiving {Limit} dataset uploads and row appends (OrleansMl__Limits__ConcurrentUploads); nothing was stored. Retry after 1 s.");

    public void Dispose() => _limiter?.Dispose();
}

/// <summary>Holds one of the gateway's <see cref="UploadSlots"/> while the upload route runs, or refuses with 503.</summary>
internal sealed class UploadSlotFilter(UploadSlots slots) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        using var slot = slots.Acquire();
        if (slot is { IsAcquired: false })
        {
            context.HttpContext.Response.Headers.RetryAfter = "1";
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Too many uploads at once", detail: slots.Refusal);
        }

        return await next(context);
    }
}
