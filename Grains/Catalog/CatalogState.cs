using System.Collections.Immutable;

namespace OrleansMl.Catalog;

/// <summary>
/// A catalog shard as stored. <paramref name="Datasets"/> and <paramref name="Models"/> are the names the single
/// catalog of earlier releases kept (read once by the shards); the indexes hold each name's latest summary.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansMl.CatalogState")]
public sealed record CatalogState(
    [property: Id(0)] ImmutableSortedSet<string> Datasets,
    [property: Id(1)] ImmutableSortedSet<string> Models,
    [property: Id(2)] ImmutableDictionary<string, DatasetEntry>? DatasetIndex = null,
    [property: Id(3)] ImmutableDictionary<string, ModelEntry>? ModelIndex = null)
{
    public static CatalogState Empty { get; } = new([], [], ImmutableDictionary<string, DatasetEntry>.Empty, ImmutableDictionary<string, ModelEntry>.Empty);

    /// <summary>Fields a stored state lacks read as empty.</summary>
    public CatalogState Normalized() => this with
    {
        Datasets = Datasets ?? [],
        Models = Models ?? [],
        DatasetIndex = DatasetIndex ?? ImmutableDictionary<string, DatasetEntry>.Empty,
        ModelIndex = ModelIndex ?? ImmutableDictionary<string, ModelEntry>.Empty,
    };
}

/// <summary>A dataset's listing at its owner's revision; null summary: known but not listed.</summary>
[GenerateSerializer, Immutable, Alias("OrleansMl.CatalogDatasetEntry")]
public sealed record DatasetEntry([property: Id(0)] long Revision, [property: Id(1)] DatasetSummary? Summary);

/// <summary>A model's listing at its owner's revision; null summary: known but not listed.</summary>
[GenerateSerializer, Immutable, Alias("OrleansMl.CatalogModelEntry")]
public sealed record ModelEntry([property: Id(0)] long Revision, [property: Id(1)] ModelSummary? Summary);
