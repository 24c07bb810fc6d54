using System.Collections.Immutable;
using System.Security.Claims;

namespace OrleansMl.Gateway.Security;

/// <summary>
/// What the caller of a request may do: its scopes and name patterns, the name recorded on its changes, and the key of
/// its rate-limit partition. Built once per stored key (so a keyed request allocates nothing for it) and per token.
/// </summary>
internal sealed class CallerAccess
{
    public CallerAccess(
        string? name, string? limitKey, ScopeSet scopes, ImmutableArray<string> names, string description, string authenticationType, ClaimsIdentity? identity = null)
    {
        Name = name;
        LimitKey = limitKey;
        Scopes = scopes;
        Names = names.IsDefault ? [] : names;
        Description = description;
        var claims = name is null ? [] : new[] { new Claim(ClaimTypes.Name, name) };
        Principal = new CallerPrincipal(this, identity ?? new ClaimsIdentity(claims, authenticationType, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>Who, as recorded on changes: the key's name or the token's subject; null for an anonymous caller.</summary>
    public string? Name { get; }

    /// <summary>The rate-limit partition; null for anonymous callers, who are partitioned by remote address.</summary>
    public string? LimitKey { get; }

    public ScopeSet Scopes { get; }

    /// <summary>Name patterns the caller is limited to; empty means every name.</summary>
    public ImmutableArray<string> Names { get; }

    /// <summary>How error messages name the caller: "API key 'ci-bot'", "the admin key", "token of 'alice'".</summary>
    public string Description { get; }

    /// <summary>The principal requests of this caller run as (shared: nothing in the pipeline changes it).</summary>
    public CallerPrincipal Principal { get; }

    public bool Allows(ScopeSet required) => Scopes.Allows(required);

    public bool MayAccess(string name) => Names.IsEmpty || NamePatterns.MatchesAny(Names, name);

    /// <summary>The sentence a refused name gets.</summary>
    public string NameRefusal(string name) =>
        $"{Capitalized} is limited to the names {string.Join(", ", Names.Select(n => $"'{n}'"))}; '{name}' is not one of them.";

    /// <summary>The sentence a missing scope gets.</summary>
    public string ScopeRefusal(string what, ScopeSet required) =>
        $"{what} needs scope '{required.Describe()}'; {Description} has {Scopes.Describe()}.";

    private string Capitalized => string.Concat(Description[..1].ToUpperInvariant(), Description.AsSpan(1));
}

/// <summary>The principal of an authenticated request, carrying what the caller may do.</summary>
internal sealed class CallerPrincipal(CallerAccess access, ClaimsIdentity identity) : ClaimsPrincipal(identity)
{
    public CallerAccess Access { get; } = access;
}
