using System.Collections.Frozen;
using System.Collections.Immutable;

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
    private readonly FrozenDictionary<string, RouteSplit> _splits;

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
        _splits = (routes.Splits ?? ImmutableDictionary<string, RouteSplit>.Empty)
            .Where(s => routes.Servable.Contains(s.Value.Candidate))
            .ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Whether any alias has a rollout running (the usual answer is no, and costs nothing more).</summary>
    public bool HasSplits => _splits.Count > 0;

    /// <summary>The rollout on the alias <paramref name="route"/> came through, if any.</summary>
    public RouteSplit? Split(VersionRoute route) =>
        route.Alias is { } alias && _splits.TryGetValue(alias, out var split) && split.Candidate != route.Version ? split : null;

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
