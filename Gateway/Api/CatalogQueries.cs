using System.Collections.Immutable;
using OrleansMl.Gateway.Security;

namespace OrleansMl.Gateway.Api;

/// <summary>Reads that combine several grains, shared by the REST routes and the MCP tools and resources.</summary>
public static class CatalogQueries
{
    /// <summary>
    /// A page of datasets with their latest version, from the catalog index (one call per catalog shard, none per
    /// dataset). The index's copy of a version leaves out <c>topValues</c>; describe the version for those.
    /// </summary>
    public static async Task<DatasetList> ListDatasetsAsync(IGrainFactory grains, int? limit = null, string? cursor = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var page = await CatalogIndex.ListDatasetsAsync(grains, limit, cursor);
        return new DatasetList(page.Items.Where(d => NameVisibility.IsVisible(d.Name)).ToImmutableArray(), page.NextCursor);
    }

    /// <summary>A page of models with their version count, newest version and aliases, from the catalog index.</summary>
    public static async Task<ModelList> ListModelsAsync(IGrainFactory grains, int? limit = null, string? cursor = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var page = await CatalogIndex.ListModelsAsync(grains, limit, cursor);
        return new ModelList(page.Items.Where(m => NameVisibility.IsVisible(m.Name)).ToImmutableArray(), page.NextCursor);
    }

    /// <summary>
    /// A version's metrics on a dataset version: the registry confirms the version is listed, then the version grain
    /// scores the data on a training slot of its silo.
    /// </summary>
    public static async Task<ModelEvaluation> EvaluateAsync(
        IGrainFactory grains, string model, int version, string? dataset, int? datasetVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grains);
        Names.Validate(model, "model");
        VersionNumbers.Validate(version, "version");
        VersionNumbers.Validate(datasetVersion, "datasetVersion");
        if (string.IsNullOrEmpty(dataset))
        {
            throw new InvalidEvaluationRequestException("dataset is required: the name of the dataset to evaluate on, e.g. {\"dataset\": \"churn-december\"}.");
        }

        Names.Validate(dataset, "dataset");
        await grains.GetGrain<IModelGrain>(model).GetVersionAsync(version);
        return await grains.GetGrain<IModelVersionGrain>(ModelVersionKey.Format(model, version)).EvaluateAsync(dataset, datasetVersion, cancellationToken);
    }

    /// <summary>
    /// Queued and running jobs of every model (oldest first), and the <paramref name="recent"/> newest finished ones. The
    /// models' version lists say which versions to fetch; only those are read in full (for progress, stage and error).
    /// </summary>
    public static async Task<JobList> ListJobsAsync(IGrainFactory grains, int recent)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var names = await CatalogIndex.GetModelNamesAsync(grains);
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
        async Task<ModelVersionInfo[]> ReadAsync(IEnumerable<(string Model, ModelVersionSummary Version)> items) =>
            await Task.WhenAll(items.Select(v => grains.GetGrain<IModelGrain>(v.Model).GetVersionAsync(v.Version.Version)));

        // The registry learns that a job ended from the version's notice, a moment after the version itself knows: the
        // version's own status decides, so a job that has just ended is listed with the finished ones, never as active.
        var going = await ReadAsync(active);
        var ended = going.Where(v => v.Status.IsTerminal())
            .Concat(await ReadAsync(finished))
            .OrderByDescending(v => v.CompletedAt ?? v.CreatedAt)
            .Take(recent);
        return new JobList([.. going.Where(v => !v.Status.IsTerminal())], [.. ended]);
    }

    /// <summary>
    /// The model versions trained on one dataset version (its lineage), newest first: all of them, or the newest
    /// <paramref name="limit"/> (1 to <see cref="CatalogIndex.MaxPageSize"/>), with how many there are in all. The version
    /// must exist; each model's registry is asked once (16 at a time), and its version list already names the dataset
    /// version each was trained on.
    /// </summary>
    public static async Task<DatasetVersionModels> TrainedOnAsync(IGrainFactory grains, string dataset, int version, int? limit = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        Names.Validate(dataset, "dataset");
        VersionNumbers.Validate(version, "version");
        if (limit is < 1 or > CatalogIndex.MaxPageSize)
        {
            throw new InvalidListRequestException($"limit must be between 1 and {CatalogIndex.MaxPageSize} (got {limit}); omit it for every model version trained on the dataset version.");
        }

        await grains.GetGrain<IDatasetGrain>(dataset).GetVersionAsync(version);
        var names = await CatalogIndex.GetModelNamesAsync(grains);
        var found = new List<TrainedModelVersion>();
        foreach (var batch in names.Where(NameVisibility.IsVisible).Chunk(16))
        {
            var models = await Task.WhenAll(batch.Select(async n =>
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
            found.AddRange(models.OfType<ModelInfo>().SelectMany(m => m.Versions
                .Where(v => v.Dataset == dataset && v.DatasetVersion == version)
                .Select(v => new TrainedModelVersion(
                    m.Name, v.Version, v.Status, v.Algorithm, v.Metrics, v.CreatedAt, v.CreatedBy,
                    [.. m.Aliases.Where(a => a.Value == v.Version).Select(a => a.Key).Order(StringComparer.Ordinal)]))));
        }

        var newest = found.OrderByDescending(v => v.CreatedAt);
        return new DatasetVersionModels(dataset, version, [.. limit is { } n ? newest.Take(n) : newest], found.Count);
    }

    /// <summary>One dataset version (the latest when <paramref name="version"/> is null) with sample rows, and how many versions exist.</summary>
    public static async Task<DatasetDescription> DescribeDatasetAsync(IGrainFactory grains, string name, int? version, int sampleRows)
    {
        ArgumentNullException.ThrowIfNull(grains);
        Names.Validate(name, "dataset");
        VersionNumbers.Validate(version, "version");
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

/// <summary>The model versions trained on one dataset version.</summary>
/// <param name="Dataset">Dataset name.</param>
/// <param name="Version">Dataset version.</param>
/// <param name="Models">The model versions trained on it, newest first (the newest <c>limit</c> when one was given).</param>
/// <param name="Total">How many model versions were trained on it in all.</param>
public sealed record DatasetVersionModels(string Dataset, int Version, ImmutableArray<TrainedModelVersion> Models, int Total);

/// <summary>A model version trained on a dataset version.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Version">Model version.</param>
/// <param name="Status">Its training status.</param>
/// <param name="Algorithm">The trainer chosen.</param>
/// <param name="Metrics">Held-out metrics.</param>
/// <param name="CreatedAt">When training was requested.</param>
/// <param name="CreatedBy">Who requested it.</param>
/// <param name="Aliases">The aliases pointing at it now.</param>
public sealed record TrainedModelVersion(
    string Model,
    int Version,
    TrainingStatus Status,
    string? Algorithm,
    ImmutableDictionary<string, double> Metrics,
    DateTimeOffset CreatedAt,
    string? CreatedBy,
    ImmutableArray<string> Aliases);
