namespace OrleansMl;

/// <summary>A dataset as listed in the catalog.</summary>
/// <param name="Name">Dataset name.</param>
/// <param name="VersionCount">Number of versions.</param>
/// <param name="Latest">The newest version.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.DatasetSummary")]
public sealed record DatasetSummary(
    [property: Id(0)] string Name,
    [property: Id(1)] int VersionCount,
    [property: Id(2)] DatasetVersionInfo Latest);
