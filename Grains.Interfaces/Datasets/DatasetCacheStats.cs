namespace OrleansMl;

/// <summary>How a dataset's in-memory feature cache has been used by this activation.</summary>
/// <param name="Hits">Requests served from parsed features already in memory.</param>
/// <param name="Misses">Requests that had to parse the stored CSV.</param>
/// <param name="CachedVersions">Versions currently held in memory.</param>
/// <param name="CachedBytes">Approximate bytes held by those versions.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.DatasetCacheStats")]
public sealed record DatasetCacheStats(
    [property: Id(0)] long Hits,
    [property: Id(1)] long Misses,
    [property: Id(2)] int CachedVersions,
    [property: Id(3)] long CachedBytes);
