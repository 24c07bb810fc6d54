using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>A model as listed in the catalog.</summary>
/// <param name="Name">Model name.</param>
/// <param name="VersionCount">Number of versions.</param>
/// <param name="LatestVersion">Newest version number.</param>
/// <param name="Aliases">Alias name to version.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.ModelSummary")]
public sealed record ModelSummary(
    [property: Id(0)] string Name,
    [property: Id(1)] int VersionCount,
    [property: Id(2)] int? LatestVersion,
    [property: Id(3)] ImmutableDictionary<string, int> Aliases);
