using System.Collections.Immutable;
using System.Security.Claims;

namespace OrleansMl.Gateway.Security;

/// <summary>
/// What a validated OIDC token may do: scopes from its <c>scope</c> claim (space-separated) or <c>scp</c> claims, name
/// patterns from <see cref="JwtAuthOptions.NamesClaim"/>, and its subject as the caller recorded on changes.
/// </summary>
internal static class TokenAccess
{
    public static CallerAccess From(ClaimsPrincipal token, JwtAuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(options);
        var scopes = Values(token, "scope").Concat(Values(token, "scp"))
            .Select(s => s.StartsWith(options.ScopePrefix, StringComparison.Ordinal) ? s[options.ScopePrefix.Length..] : s)
            .Where(Scopes.IsValid);
        var names = Values(token, options.NamesClaim).Where(NamePatterns.IsValid).Distinct(StringComparer.Ordinal).ToImmutableArray();
        var subject = token.FindFirst("sub")?.Value ?? token.FindFirst("azp")?.Value ?? token.FindFirst("client_id")?.Value ?? "token";
        var identity = token.Identities.FirstOrDefault() ?? new ClaimsIdentity();
        return new CallerAccess(subject, $"sub:{subject}", ScopeSets.Parse(scopes), names, $"the token of '{subject}'", identity.AuthenticationType ?? "Bearer",
            new ClaimsIdentity(identity.Claims, identity.AuthenticationType ?? "Bearer", "sub", "role"));
    }

    /// <summary>Every value of a claim, whether it is repeated or one space-separated string.</summary>
    private static IEnumerable<string> Values(ClaimsPrincipal token, string type) =>
        token.FindAll(type).SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
