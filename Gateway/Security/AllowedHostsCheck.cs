using Microsoft.AspNetCore.HostFiltering;
using OrleansMl.Ml;

namespace OrleansMl.Gateway.Security;

/// <summary>
/// The <c>Host</c> header check against <c>AllowedHosts</c> (the first line against DNS rebinding), inside the gateway's
/// pipeline. The web host's defaults run the framework's host filter before any middleware of the application, so its
/// refusal left without the security headers and as an HTML page ("Bad Request - Invalid Hostname"); here the same
/// filter decides (its host matching, wildcards and reloading), and the refusal is a 400 in the API's error shape.
/// A Host header that is not a host name at all (a space, a path) is refused by Kestrel before any middleware, with an
/// empty 400 that no application code sees.
/// </summary>
internal static class AllowedHostsCheck
{
    /// <summary>The web host's default filter, by name: the type is internal to ASP.NET Core.</summary>
    private const string DefaultFilter = "Microsoft.AspNetCore.HostFilteringStartupFilter";

    public static IServiceCollection AddAllowedHostsCheck(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        // Refused without a body of its own: the check below writes the answer.
        services.Configure<HostFilteringOptions>(o => o.IncludeFailureMessage = false);
        for (var i = services.Count - 1; i >= 0; i--)
        {
            var descriptor = services[i];
            if (descriptor.ServiceType == typeof(IStartupFilter) && !descriptor.IsKeyedService
                && descriptor.ImplementationType?.FullName == DefaultFilter)
            {
                services.RemoveAt(i);
            }
        }

        return services;
    }

    /// <summary>Checks the Host header; call it after the middleware that sets the headers every answer carries.</summary>
    public static WebApplication UseAllowedHostsCheck(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        // The framework's filter with nothing after it: it leaves the status at 400 when it refuses the host, else untouched.
        var filter = ActivatorUtilities.CreateInstance<HostFilteringMiddleware>(app.Services, (RequestDelegate)(static _ => Task.CompletedTask));
        app.Use((context, next) =>
        {
            // The usual request passes without an await of its own here.
            var filtering = filter.Invoke(context);
            return filtering.IsCompletedSuccessfully && context.Response.StatusCode != StatusCodes.Status400BadRequest
                ? next(context)
                : CheckedAsync(filtering, context, next);
        });
        return app;
    }

    private static async Task CheckedAsync(Task filtering, HttpContext context, RequestDelegate next)
    {
        await filtering;
        if (context.Response.StatusCode != StatusCodes.Status400BadRequest)
        {
            await next(context);
            return;
        }

        var host = context.Request.Headers.Host.ToString();
        await Problems.WriteAsync(context, StatusCodes.Status400BadRequest, "Host not allowed", string.IsNullOrWhiteSpace(host)
            ? "The request names no host (Host header), and this gateway answers only requests that name one of its host names (AllowedHosts)."
            : $"Host '{NameList.Cut(host)}' is not a host name this gateway serves: it answers only to the names in its AllowedHosts setting "
                + "(a protection against DNS rebinding). Call it by one of those names, or add this one to AllowedHosts.");
    }
}
