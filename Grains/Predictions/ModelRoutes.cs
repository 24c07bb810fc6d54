using System.Collections.Immutable;

namespace OrleansMl.Predictions;

/// <summary>
/// Everything needed to resolve a prediction's version without asking the model grain: aliases and the servable
/// (succeeded) version numbers. <see cref="Revision"/> grows with every change of the model, so a silo never replaces
/// a newer table with an older one.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansMl.ModelRoutes")]
public sealed record ModelRoutes(
    [property: Id(0)] string Model,
    [property: Id(1)] long Revision,
    [property: Id(2)] ImmutableDictionary<string, int> Aliases,
    [property: Id(4)] ImmutableSortedSet<int> Servable,
    [property: Id(5)] ImmutableDictionary<string, RouteSplit>? Splits = null)
{
    /// <summary>
    /// Resolves as <see cref="IModelGrain.ResolveAsync"/> does: an explicit version, else the alias, else
    /// <see cref="ModelAliases.Production"/>, else the newest servable version. Null when the answer is not a servable
    /// version (the model grain then answers with the precise error).
    /// </summary>
    public VersionRoute? TryResolve(int? version, string? alias)
    {
        if (version is { } v)
        {
            return Servable.Contains(v) ? new VersionRoute(v, null) : null;
        }

        var name = alias ?? ModelAliases.Production;
        if (Aliases.TryGetValue(name, out var aliased))
        {
            return Servable.Contains(aliased) ? new VersionRoute(aliased, name) : null;
        }

        return alias is null && !Servable.IsEmpty ? new VersionRoute(Servable.Max, null) : null;
    }
}

/// <summary>The version a prediction uses, and the alias it was reached through (if any).</summary>
public readonly record struct VersionRoute(int Version, string? Alias);
