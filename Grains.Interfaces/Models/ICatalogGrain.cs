using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>The names of every dataset and model, for listing. One instance, key <see cref="Key"/>.</summary>
[Alias("OrleansMl.ICatalogGrain")]
public interface ICatalogGrain : IGrainWithStringKey
{
    /// <summary>The key of the single catalog.</summary>
    const string Key = "catalog";

    /// <summary>Records a dataset name (idempotent).</summary>
    [Alias("AddDataset")]
    Task AddDatasetAsync(string name);

    /// <summary>Records a model name (idempotent).</summary>
    [Alias("AddModel")]
    Task AddModelAsync(string name);

    /// <summary>All dataset names, sorted.</summary>
    [Alias("GetDatasets")]
    Task<ImmutableArray<string>> GetDatasetNamesAsync();

    /// <summary>All model names, sorted.</summary>
    [Alias("GetModels")]
    Task<ImmutableArray<string>> GetModelNamesAsync();
}
