namespace OrleansMl.Gateway.Api;

/// <summary>Runs an idempotent REST endpoint under the gateway's <see cref="FailoverPolicy"/>.</summary>
public sealed class FailoverFilter(FailoverPolicy policy) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        return new ValueTask<object?>(policy.RunAsync(
            static call => call.Next(call.Context).AsTask(),
            (Next: next, Context: context),
            static call => $"{call.Context.HttpContext.Request.Method} {call.Context.HttpContext.Request.Path}",
            context.HttpContext.RequestAborted));
    }
}
