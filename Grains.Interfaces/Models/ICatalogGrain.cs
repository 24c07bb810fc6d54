using System.Collections.Immutable;
using Orleans.Concurrency;

namespace OrleansMl;

/// <summary>
/// One shard of the catalog: a derived index of datasets and models for listing (see <see cref="CatalogIndex"/>, which
/// picks the shard of a name and pages over all of them). It owns nothing: each dataset or model grain writes its own
/// state first and then sets its summary here, and sets it again whenever it activates, so an index that missed an
/// update heals. Summaries carry the owner's revision; an older one never replaces a newer one.
/// </summary>
[Alias("OrleansMl.ICatalogGrain")]
public interface ICatalogGrain : IGrainWithStringKey
{
    /// <summary>The key of the single catalog of earlier releases (names only); the shards read it once to fill themselves.</summary>
    const string Key = "catalog";

    /// <summary>Sets the listing of dataset <paramref name="name"/> (null: not listed) unless a newer revision is there.</summary>
    [Alias("SetDataset")]
    Task SetDatasetAsync(string name, long revision, DatasetSummary? summary);

    /// <summary>Sets the listing of model <paramref name="name"/> (null: not listed) unless a newer revision is there.</summary>
    [Alias("SetModel")]
    Task SetModelAsync(string name, long revision, ModelSummary? summary);

    /// <summary>Up to <paramref name="limit"/> listed datasets of this shard whose names sort after <paramref name="after"/> (ordinal).</summary>
    [Alias("GetDatasetPage"), ReadOnly]
    Task<ImmutableArray<DatasetSummary>> GetDatasetsAsync(string? after, int limit);

    /// <summary>
    /// Up to <paramref name="limit"/> listed datasets of this shard whose names sort after <paramref name="after"/>
    /// (ordinal), ending early once their latest versions hold <paramref name="columnBudget"/> columns together, with
    /// one more dataset after that, if there is one, to show that the shard has more.
    /// </summary>
    [Alias("GetDatasetPageWithin"), ReadOnly]
    Task<ImmutableArray<DatasetSummary>> GetDatasetsAsync(string? after, int limit, int columnBudget);

    /// <summary>Up to <paramref name="limit"/> listed models of this shard whose names sort after <paramref name="after"/> (ordinal).</summary>
    [Alias("GetModelPage"), ReadOnly]
    Task<ImmutableArray<ModelSummary>> GetModelsAsync(string? after, int limit);

    /// <summary>Every dataset name this shard knows, sorted (listed or not).</summary>
    [Alias("GetDatasets"), ReadOnly]
    Task<ImmutableArray<string>> GetDatasetNamesAsync();

    /// <summary>Every model name this shard knows, sorted (listed or not).</summary>
    [Alias("GetModels"), ReadOnly]
    Task<ImmutableArray<string>> GetModelNamesAsync();
}
