using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>A dataset and all its versions.</summary>
/// <param name="Name">Dataset name.</param>
/// <param name="Versions">Versions, oldest first.</param>
/// <param name="CreatedAt">When the first version was created.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.DatasetInfo")]
public sealed record DatasetInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] ImmutableArray<DatasetVersionInfo> Versions,
    [property: Id(2)] DateTimeOffset CreatedAt)
{
    /// <summary>The newest version that is not deleted (the newest deleted one when every version is).</summary>
    public DatasetVersionInfo Latest => Versions.LastOrDefault(v => !v.IsDeleted) ?? Versions[^1];
}
