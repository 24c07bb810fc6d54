using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using OrleansMl.Hosting;
using OrleansMl.Storage;

namespace OrleansMl.Catalog;

/// <summary>
/// One shard of the catalog index (<see cref="CatalogIndex"/>): per dataset and model name, the summary its owner last
/// set. Derived, not owned: owners set it after their own writes and again on activation, and a missed update is
/// healed by the next one. A shard that has never been written fills itself from the single catalog of earlier
/// releases and asks those owners to set their summaries.
/// </summary>
public sealed partial class CatalogGrain(
    [PersistentState("catalog", StorageNames.Grains)] IPersistentState<CatalogState> state,
    ILogger<CatalogGrain> logger) : Grain, ICatalogGrain
{
    // What storage holds; reads use it, never state.State.
    private CatalogState _committed = CatalogState.Empty;

    // Names in ordinal order, for pages: rebuilt only when a name is added.
    private string[] _datasetNames = [];
    private string[] _modelNames = [];

    private bool IsLegacy => this.GetPrimaryKeyString() == ICatalogGrain.Key;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _committed = state.RecordExists ? state.State.Normalized() : CatalogState.Empty;
        if (!state.RecordExists && !IsLegacy)
        {
            await AdoptLegacyNamesAsync();
        }

        Reindex();
    }

    // A revision at or below the one held is the same state or an older one (an update that arrived late).
    public Task SetDatasetAsync(string name, long revision, DatasetSummary? summary)
    {
        var index = _committed.DatasetIndex!;
        if (index.TryGetValue(name, out var known) && known.Revision >= revision)
        {
            return Task.CompletedTask;
        }

        return CommitAsync(_committed with { DatasetIndex = index.SetItem(name, new DatasetEntry(revision, summary)) });
    }

    public Task SetModelAsync(string name, long revision, ModelSummary? summary)
    {
        var index = _committed.ModelIndex!;
        if (index.TryGetValue(name, out var known) && known.Revision >= revision)
        {
            return Task.CompletedTask;
        }

        return CommitAsync(_committed with { ModelIndex = index.SetItem(name, new ModelEntry(revision, summary)) });
    }

    public Task<ImmutableArray<DatasetSummary>> GetDatasetsAsync(string? after, int limit) => GetDatasetsAsync(after, limit, int.MaxValue);

    public Task<ImmutableArray<DatasetSummary>> GetDatasetsAsync(string? after, int limit, int columnBudget) =>
        Task.FromResult(Page(_datasetNames, after, limit, n => _committed.DatasetIndex![n].Summary, columnBudget, CatalogIndex.Columns));

    public Task<ImmutableArray<ModelSummary>> GetModelsAsync(string? after, int limit) =>
        Task.FromResult(Page(_modelNames, after, limit, n => _committed.ModelIndex![n].Summary, int.MaxValue, static _ => 0));

    public Task<ImmutableArray<string>> GetDatasetNamesAsync() =>
        Task.FromResult(IsLegacy ? _committed.Datasets.ToImmutableArray() : _datasetNames.ToImmutableArray());

    public Task<ImmutableArray<string>> GetModelNamesAsync() =>
        Task.FromResult(IsLegacy ? _committed.Models.ToImmutableArray() : _modelNames.ToImmutableArray());

    /// <summary>
    /// Up to <paramref name="limit"/> items after <paramref name="after"/>; once the items taken weigh
    /// <paramref name="budget"/> together, one more (the sign that more follow) and no further.
    /// </summary>
    private static ImmutableArray<T> Page<T>(string[] names, string? after, int limit, Func<string, T?> summary, int budget, Func<T, int> weight)
        where T : class
    {
        var start = 0;
        if (after is not null)
        {
            var found = Array.BinarySearch(names, after, StringComparer.Ordinal);
            start = found >= 0 ? found + 1 : ~found;
        }

        var page = ImmutableArray.CreateBuilder<T>(Math.Min(Math.Max(limit, 0), names.Length - start));
        var weighed = 0L;
        for (var i = start; i < names.Length && page.Count < limit; i++)
        {
            if (summary(names[i]) is not { } item)
            {
                continue;
            }

            page.Add(item);
            if (weighed >= budget)
            {
                break;
            }

            weighed += weight(item);
        }

        return page.ToImmutable();
    }

    /// <summary>
    /// Reads the names of this shard from the single catalog of earlier releases, lists them as known, and asks their
    /// owners to set their summaries (an owner does on activation). Best effort: a failure leaves the shard to try again
    /// on its next activation.
    /// </summary>
    private async Task AdoptLegacyNamesAsync()
    {
        try
        {
            var legacy = GrainFactory.GetGrain<ICatalogGrain>(ICatalogGrain.Key);
            var shard = this.GetPrimaryKeyString();
            var datasets = (await legacy.GetDatasetNamesAsync()).Where(n => CatalogIndex.ShardKey(CatalogIndex.ShardOf(n)) == shard).ToList();
            var models = (await legacy.GetModelNamesAsync()).Where(n => CatalogIndex.ShardKey(CatalogIndex.ShardOf(n)) == shard).ToList();
            if (datasets.Count == 0 && models.Count == 0)
            {
                return;
            }

            await CommitAsync(_committed with
            {
                DatasetIndex = _committed.DatasetIndex!.SetItems(datasets.Select(n => KeyValuePair.Create(n, new DatasetEntry(-1, null)))),
                ModelIndex = _committed.ModelIndex!.SetItems(models.Select(n => KeyValuePair.Create(n, new ModelEntry(-1, null)))),
            });
            _ = Task.WhenAll(
                datasets.Select(n => GrainFactory.GetGrain<IDatasetGrain>(n).GetAsync())
                    .Concat<Task>(models.Select(n => GrainFactory.GetGrain<IModelGrain>(n).GetSummaryAsync())))
                .ContinueWith(t => LogAdoptionIncomplete(logger, t.Exception), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            LogAdopted(logger, shard, datasets.Count, models.Count);
        }
        catch (Exception ex)
        {
            LogAdoptionFailed(logger, ex);
        }
    }

    private async Task CommitAsync(CatalogState next)
    {
        var grows = next.DatasetIndex!.Count != _committed.DatasetIndex!.Count || next.ModelIndex!.Count != _committed.ModelIndex!.Count;
        await state.CommitAsync(next, this, logger, "the catalog");
        _committed = next;
        if (grows)
        {
            Reindex();
        }
    }

    private void Reindex()
    {
        _datasetNames = [.. _committed.DatasetIndex!.Keys.Order(StringComparer.Ordinal)];
        _modelNames = [.. _committed.ModelIndex!.Keys.Order(StringComparer.Ordinal)];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Catalog {Shard} adopted {Datasets} datasets and {Models} models from the single catalog of an earlier release")]
    private static partial void LogAdopted(ILogger logger, string shard, int datasets, int models);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the catalog of an earlier release failed; the next activation tries again")]
    private static partial void LogAdoptionFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Some owners of adopted catalog names did not answer; they list themselves when next activated")]
    private static partial void LogAdoptionIncomplete(ILogger logger, Exception? exception);
}
