using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using OrleansMl.Hosting;
using OrleansMl.Storage;

namespace OrleansMl.Catalog;

public sealed class CatalogGrain(
    [PersistentState("catalog", StorageNames.Grains)] IPersistentState<CatalogState> state,
    ILogger<CatalogGrain> logger) : Grain, ICatalogGrain
{
    // What storage holds; reads use it, never state.State.
    private CatalogState _committed = CatalogState.Empty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _committed = state.RecordExists ? state.State : CatalogState.Empty;
        return Task.CompletedTask;
    }

    public Task AddDatasetAsync(string name) =>
        _committed.Datasets.Contains(name) ? Task.CompletedTask : CommitAsync(_committed with { Datasets = _committed.Datasets.Add(name) });

    public Task AddModelAsync(string name) =>
        _committed.Models.Contains(name) ? Task.CompletedTask : CommitAsync(_committed with { Models = _committed.Models.Add(name) });

    public Task<ImmutableArray<string>> GetDatasetNamesAsync() => Task.FromResult(_committed.Datasets.ToImmutableArray());

    public Task<ImmutableArray<string>> GetModelNamesAsync() => Task.FromResult(_committed.Models.ToImmutableArray());

    private async Task CommitAsync(CatalogState next)
    {
        await state.CommitAsync(next, this, logger, "the catalog");
        _committed = next;
    }
}
