using System.Collections.Frozen;

namespace OrleansMl.Predictions;

/// <summary>
/// A model's <see cref="ModelRoutes"/> with every answer of <see cref="ModelRoutes.TryResolve"/> worked out once when the
/// table arrives, so resolving a prediction's version is a lookup rather than a walk over aliases and versions.
/// </summary>
public sealed class RouteTable
{
    private readonly VersionRoute? _default;
    private readonly FrozenDictionary<string, VersionRoute> _aliases;
    private readonly FrozenSet<int> _servable;

    public RouteTable(ModelRoutes routes, long expiresAt)
    {
        ArgumentNullException.ThrowIfNull(routes);
        Routes = routes;
        ExpiresAt = expiresAt;
        _default = routes.TryResolve(null, null);
        _aliases = routes.Aliases
            .Where(a => routes.Servable.Contains(a.Value))
            .ToFrozenDictionary(a => a.Key, a => new VersionRoute(a.Value, a.Key), StringComparer.Ordinal);
        _servable = routes.Servable.ToFrozenSet();
    }

    public ModelRoutes Routes { get; }

    /// <summary>When this copy expires, as a timestamp of the cache's time provider.</summary>
    public long ExpiresAt { get; }

    /// <summary>The same answer as <see cref="ModelRoutes.TryResolve"/>.</summary>
    public VersionRoute? Resolve(int? version, string? alias)
    {
        if (version is { } v)
        {
            return _servable.Contains(v) ? new VersionRoute(v, null) : null;
        }

        if (alias is null)
        {
            return _default;
        }

        return _aliases.TryGetValue(alias, out var route) ? route : null;
    }
}
