using System.Collections.Immutable;
using OrleansMl.Hosting;

namespace OrleansMl.Catalog;

public sealed class CatalogGrain(
    [PersistentState("catalog", StorageNames.Grains)] IPersistentState<CatalogState> state) : Grain, ICatalogGrain
{
    private CatalogState Current => state.RecordExists ? state.State : CatalogState.Empty;

    public Task AddDatasetAsync(string name) =>
        Current.Datasets.Contains(name) ? Task.CompletedTask : UpdateStateAsync(Current with { Datasets = Current.Datasets.Add(name) });

    public Task AddModelAsync(string name) =>
        Current.Models.Contains(name) ? Task.CompletedTask : UpdateStateAsync(Current with { Models = Current.Models.Add(name) });

    public Task<ImmutableArray<string>> GetDatasetNamesAsync() => Task.FromResult(Current.Datasets.ToImmutableArray());

    public Task<ImmutableArray<string>> GetModelNamesAsync() => Task.FromResult(Current.Models.ToImmutableArray());

    private Task UpdateStateAsync(CatalogState next)
    {
        state.State = next;
        return state.WriteStateAsync();
    }
}
