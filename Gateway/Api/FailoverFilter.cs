namespace OrleansMl.Gateway.Api;

/// <summary>Runs an idempotent REST endpoint under the gateway's <see cref="FailoverPolicy"/>.</summary>
public sealed class FailoverFilter(FailoverPolicy policy) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        return new ValueTask<object?>(policy.RunAsync(() => next(context).AsTask(), $"{http.Request.Method} {http.Request.Path}", http.RequestAborted));
    }
}
