using System.Collections.Immutable;
using OrleansMl.Gateway.Security;

namespace OrleansMl.Gateway.Api;

/// <summary>Reads that combine several grains, shared by the REST routes and the MCP tools and resources.</summary>
public static class CatalogQueries
{
    /// <summary>Every dataset with its latest version. A name whose dataset has vanished is skipped.</summary>
    public static async Task<DatasetList> ListDatasetsAsync(IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var names = await grains.GetGrain<ICatalogGrain>(ICatalogGrain.Key).GetDatasetNamesAsync();
        var datasets = await Task.WhenAll(names.Where(NameVisibility.IsVisible).Select(async n =>
        {
            try
            {
                var info = await grains.GetGrain<IDatasetGrain>(n).GetAsync();
                return new DatasetSummary(info.Name, info.Versions.Length, info.Latest);
            }
            catch (DatasetNotFoundException)
            {
                return null;
            }
        }));
        return new DatasetList(datasets.OfType<DatasetSummary>().ToImmutableArray());
    }

    /// <summary>Every model with its version count, newest version and aliases.</summary>
    public static async Task<ModelList> ListModelsAsync(IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var names = await grains.GetGrain<ICatalogGrain>(ICatalogGrain.Key).GetModelNamesAsync();
        var models = await Task.WhenAll(names.Where(NameVisibility.IsVisible).Select(async n =>
        {
            try
            {
                return await grains.GetGrain<IModelGrain>(n).GetSummaryAsync();
            }
            catch (ModelNotFoundException)
            {
                return null;
            }
        }));
        return new ModelList(models.OfType<ModelSummary>().ToImmutableArray());
    }

    /// <summary>
    /// Queued and running jobs of every model (oldest first), and the <paramref name="recent"/> newest finished ones. The
    /// models' version lists say which versions to fetch; only those are read in full (for progress, stage and error).
    /// </summary>
    public static async Task<JobList> ListJobsAsync(IGrainFactory grains, int recent)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var names = await grains.GetGrain<ICatalogGrain>(ICatalogGrain.Key).GetModelNamesAsync();
        var models = await Task.WhenAll(names.Where(NameVisibility.IsVisible).Select(async n =>
        {
            try
            {
                return await grains.GetGrain<IModelGrain>(n).GetAsync();
            }
            catch (ModelNotFoundException)
            {
                return null;
            }
        }));
        var versions = models.OfType<ModelInfo>().SelectMany(m => m.Versions.Select(v => (Model: m.Name, Version: v))).ToList();
        var active = versions.Where(v => !v.Version.Status.IsTerminal()).OrderBy(v => v.Version.CreatedAt);
        var finished = versions.Where(v => v.Version.Status.IsTerminal())
            .OrderByDescending(v => v.Version.CompletedAt ?? v.Version.CreatedAt)
            .Take(recent);
        async Task<ImmutableArray<ModelVersionInfo>> ReadAsync(IEnumerable<(string Model, ModelVersionSummary Version)> items) =>
            [.. await Task.WhenAll(items.Select(v => grains.GetGrain<IModelGrain>(v.Model).GetVersionAsync(v.Version.Version)))];
        return new JobList(await ReadAsync(active), await ReadAsync(finished));
    }

    /// <summary>One dataset version (the latest when <paramref name="version"/> is null) with sample rows, and how many versions exist.</summary>
    public static async Task<DatasetDescription> DescribeDatasetAsync(IGrainFactory grains, string name, int? version, int sampleRows)
    {
        ArgumentNullException.ThrowIfNull(grains);
        Names.Validate(name, "dataset");
        var dataset = grains.GetGrain<IDatasetGrain>(name);
        var info = await dataset.GetAsync();
        var preview = await dataset.PreviewAsync(version ?? info.Latest.Version, sampleRows);
        return new DatasetDescription(info.Name, info.Versions.Select(v => v.Version).ToImmutableArray(), DatasetVersionDetails.From(preview));
    }
}

/// <summary>A dataset: the numbers of all its versions, and one version in detail.</summary>
/// <param name="Name">Dataset name.</param>
/// <param name="Versions">All version numbers, oldest first.</param>
/// <param name="Version">The described version: schema, statistics and sample rows.</param>
public sealed record DatasetDescription(string Name, ImmutableArray<int> Versions, DatasetVersionDetails Version);
