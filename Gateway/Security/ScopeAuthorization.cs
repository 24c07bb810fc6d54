using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace OrleansMl.Gateway.Security;

/// <summary>The one authorization policy: the caller holds the endpoint's <see cref="RequiresScopeAttribute"/> scope and may use its <c>{name}</c>.</summary>
internal sealed class ScopeRequirement : IAuthorizationRequirement
{
    public const string PolicyName = "orleansml-scope";

    public static ScopeRequirement Instance { get; } = new();
}

/// <summary>A refusal that names what is missing; the 403 answer carries it.</summary>
internal sealed class ScopeFailureReason(IAuthorizationHandler handler, string message, string? requiredScope)
    : AuthorizationFailureReason(handler, message)
{
    public string? RequiredScope { get; } = requiredScope;
}

internal sealed class ScopeAuthorizationHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.User is not CallerPrincipal { Access: var access } || context.Resource is not HttpContext http)
        {
            return Task.CompletedTask;
        }

        var endpoint = http.GetEndpoint();
        var required = endpoint?.Metadata.GetMetadata<RequiresScopeAttribute>();
        if (required is null && endpoint is not RouteEndpoint)
        {
            // Routing's own answers (405 for a known path with another method) hold no data.
            context.Succeed(requirement);
        }
        else if (required is null)
        {
            context.Fail(new ScopeFailureReason(this, "This route declares no scope, so it is refused to every caller.", null));
        }
        else if (!access.Allows(required.Set))
        {
            context.Fail(new ScopeFailureReason(this, access.ScopeRefusal($"{http.Request.Method} {http.Request.Path}", required.Set), required.Scope));
        }
        else if (http.Request.RouteValues.TryGetValue("name", out var value) && value is string name && !access.MayAccess(name))
        {
            context.Fail(new ScopeFailureReason(this, access.NameRefusal(name), null));
        }
        else
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>Answers a refused authenticated caller with a 403 ProblemDetails saying which scope or name was missing.</summary>
internal sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        if (!authorizeResult.Forbidden || context.User is not CallerPrincipal)
        {
            return _default.HandleAsync(next, context, policy, authorizeResult);
        }

        var reasons = authorizeResult.AuthorizationFailure?.FailureReasons.ToList() ?? [];
        var detail = reasons.Count > 0 ? string.Join(" ", reasons.Select(r => r.Message)) : "The caller may not use this route.";
        var scope = reasons.OfType<ScopeFailureReason>().Select(r => r.RequiredScope).FirstOrDefault(s => s is not null);
        return Problems.WriteAsync(context, StatusCodes.Status403Forbidden, scope is null ? "Forbidden" : $"Missing scope '{scope}'", detail,
            scope is null ? null : new Dictionary<string, object?> { ["requiredScope"] = scope });
    }
}
