using Microsoft.AspNetCore.Authentication;
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

/// <summary>The scope policy's decision for one request: null when the caller may go on, else why not.</summary>
internal static class ScopeCheck
{
    public static (string Message, string? Scope)? Refusal(CallerAccess access, HttpContext http)
    {
        var endpoint = http.GetEndpoint();
        var required = endpoint?.Metadata.GetMetadata<RequiresScopeAttribute>();
        if (required is null)
        {
            // Routing's own answers (405 for a known path with another method) hold no data; a route without a scope is refused.
            return endpoint is RouteEndpoint ? ("This route declares no scope, so it is refused to every caller.", null) : null;
        }

        if (!access.Allows(required.Set))
        {
            return (access.ScopeRefusal($"{http.Request.Method} {http.Request.Path}", required.Set), required.Scope);
        }

        // Name patterns cover feature sets ({set}) as they cover models and datasets ({name}).
        return (http.Request.RouteValues.TryGetValue("name", out var value) || http.Request.RouteValues.TryGetValue("set", out value))
            && value is string name && !access.MayAccess(name)
            ? (access.NameRefusal(name), null)
            : null;
    }
}

/// <summary>The scope requirement for code that evaluates the policy through <see cref="IAuthorizationService"/>.</summary>
internal sealed class ScopeAuthorizationHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.User is CallerPrincipal { Access: var access } && context.Resource is HttpContext http)
        {
            if (ScopeCheck.Refusal(access, http) is { } refusal)
            {
                context.Fail(new ScopeFailureReason(this, refusal.Message, refusal.Scope));
            }
            else
            {
                context.Succeed(requirement);
            }
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// Evaluates the scope policy directly, without the general authorization service's per-request contexts, handler
/// enumeration and iterators: on the prediction path it allocates nothing when the caller may go on. Any other policy
/// goes to ASP.NET Core's own evaluator.
/// </summary>
internal sealed class ScopePolicyEvaluator(IServiceProvider services) : IPolicyEvaluator
{
    private readonly ScopeAuthorizationHandler _handler = new();

    public Task<AuthenticateResult> AuthenticateAsync(AuthorizationPolicy policy, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(context);
        if (!IsScopePolicy(policy))
        {
            return Default(context).AuthenticateAsync(policy, context);
        }

        // The result the authentication middleware already computed (the scope policy names no schemes of its own).
        return Task.FromResult(context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult ?? AuthenticateResult.NoResult());
    }

    public Task<PolicyAuthorizationResult> AuthorizeAsync(AuthorizationPolicy policy, AuthenticateResult authenticationResult, HttpContext context, object? resource)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(authenticationResult);
        ArgumentNullException.ThrowIfNull(context);
        if (!IsScopePolicy(policy))
        {
            return Default(context).AuthorizeAsync(policy, authenticationResult, context, resource);
        }

        if (!authenticationResult.Succeeded || context.User is not CallerPrincipal { Access: var access })
        {
            return Task.FromResult(PolicyAuthorizationResult.Challenge());
        }

        return Task.FromResult(ScopeCheck.Refusal(access, context) is { } refusal
            ? PolicyAuthorizationResult.Forbid(AuthorizationFailure.Failed([new ScopeFailureReason(_handler, refusal.Message, refusal.Scope)]))
            : PolicyAuthorizationResult.Success());
    }

    /// <summary>The scope policy, alone or combined with itself (a route group's and its route's).</summary>
    private static bool IsScopePolicy(AuthorizationPolicy policy)
    {
        if (policy.AuthenticationSchemes.Count > 0 || policy.Requirements.Count == 0)
        {
            return false;
        }

        for (var i = 0; i < policy.Requirements.Count; i++)
        {
            if (policy.Requirements[i] is not ScopeRequirement)
            {
                return false;
            }
        }

        return true;
    }

    private PolicyEvaluator Default(HttpContext context) =>
        new((context.RequestServices ?? services).GetRequiredService<IAuthorizationService>());
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
