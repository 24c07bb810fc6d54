using System.Collections.Immutable;

namespace OrleansMl.Predictions;

/// <summary>
/// Everything needed to resolve a prediction's version without asking the model grain: aliases and the servable
/// (succeeded) versions. <see cref="Revision"/> grows with every change of the model, so a silo never replaces a
/// newer table with an older one.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansMl.ModelRoutes")]
public sealed record ModelRoutes(
    [property: Id(0)] string Model,
    [property: Id(1)] long Revision,
    [property: Id(2)] ImmutableDictionary<string, int> Aliases,
    [property: Id(3)] ImmutableDictionary<int, ResolvedVersion> Servable)
{
    /// <summary>
    /// Resolves as <see cref="IModelGrain.ResolveAsync"/> does, or returns null when the answer is not a servable
    /// version (the model grain then answers, with the precise error).
    /// </summary>
    public ResolvedVersion? TryResolve(int? version, string? alias)
    {
        if (version is { } v)
        {
            return Servable.GetValueOrDefault(v);
        }

        var name = alias ?? Models.ModelGrain.DefaultAlias;
        if (Aliases.TryGetValue(name, out var aliased))
        {
            return Servable.GetValueOrDefault(aliased) is { } target ? target with { Alias = name } : null;
        }

        return alias is null && !Servable.IsEmpty ? Servable[Servable.Keys.Max()] : null;
    }
}
