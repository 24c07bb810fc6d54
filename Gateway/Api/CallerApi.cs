using System.Collections.Immutable;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansMl.Gateway.Security;

namespace OrleansMl.Gateway.Api;

/// <summary><c>GET /api/me</c>: who the credential of a request is and what it may do.</summary>
public static class CallerApi
{
    public static IEndpointRouteBuilder MapCallerApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/me", GetCaller)
            .WithTags("Access")
            .WithSummary("The caller: name, scopes and name patterns of the credential sent")
            .WithDescription("Any valid credential may ask (on a gateway without credentials configured, a local caller has every scope). "
                + "Clients use it to show only what the caller may do.")
            .RequireCaller()
            .DisableRateLimiting();
        return app;
    }

    internal static Ok<CallerInfo> GetCaller(HttpContext context) =>
        TypedResults.Ok(context.User is CallerPrincipal { Access: var access }
            ? new CallerInfo(access.Name, [.. access.Scopes.Names()], access.Names, access.Description)
            : new CallerInfo(null, [], [], "an unknown caller"));
}

/// <summary>The caller of a request.</summary>
/// <param name="Name">The key's name or the token's subject; null for an anonymous caller.</param>
/// <param name="Scopes">What it may do: read, predict, train, deploy, admin (admin allows everything).</param>
/// <param name="Names">Model and dataset name patterns it is limited to; empty means every name.</param>
/// <param name="Description">How error messages name it, e.g. "API key 'ci-bot'".</param>
public sealed record CallerInfo(string? Name, ImmutableArray<string> Scopes, ImmutableArray<string> Names, string Description)
{
    /// <summary>True when the caller holds <paramref name="scope"/> (or admin, which holds every scope).</summary>
    public bool Allows(string scope) => !Scopes.IsDefault && (Scopes.Contains(scope) || Scopes.Contains(OrleansMl.Scopes.Admin));
}
