namespace OrleansMl.Gateway.Security;

/// <summary>
/// The scope an endpoint or MCP tool needs (<see cref="Scopes"/>). On REST routes it is endpoint metadata (the last one
/// wins, so a route can override its group's); on MCP tools it is an attribute of the tool method. A route or tool
/// without one is refused to every caller.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = false)]
public sealed class RequiresScopeAttribute : Attribute
{
    /// <summary>Needs <paramref name="scope"/>; null means any authenticated caller (the MCP endpoint, which checks per tool).</summary>
    public RequiresScopeAttribute(string? scope)
    {
        if (scope is not null && !Scopes.IsValid(scope))
        {
            throw new ArgumentException($"Unknown scope '{scope}'.", nameof(scope));
        }

        Scope = scope;
        Set = scope is null ? ScopeSet.None : ScopeSets.Parse(scope);
    }

    public string? Scope { get; }

    /// <summary>Counts against the lower rate limit for dataset uploads and training (<c>OrleansMl__Limits__TrainingRequestsPerMinute</c>).</summary>
    public bool Training { get; init; }

    internal ScopeSet Set { get; }
}
