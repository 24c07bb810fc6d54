using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using OrleansMl.Hosting;
using OrleansMl.Storage;

namespace OrleansMl.Features;

/// <summary>The listing of feature sets; see <see cref="IFeatureCatalogGrain"/>.</summary>
public sealed class FeatureCatalogGrain(
    [PersistentState("featurecatalog", StorageNames.Grains)] IPersistentState<FeatureCatalogState> state,
    ILogger<FeatureCatalogGrain> logger) : Grain, IFeatureCatalogGrain
{
    // What storage holds; reads use it, never state.State.
    private FeatureCatalogState _committed = FeatureCatalogState.Empty;

    // Names in ordinal order, for pages: rebuilt only when a name is added.
    private string[] _names = [];

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _committed = state.RecordExists && state.State.Sets is not null ? state.State : FeatureCatalogState.Empty;
        _names = [.. _committed.Sets.Keys];
        return Task.CompletedTask;
    }

    // A revision at or below the one held is the same definition or an older one (an update that arrived late).
    public async Task SetAsync(FeatureSetDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (_committed.Sets.TryGetValue(definition.Name, out var known) && known.Revision >= definition.Revision)
        {
            return;
        }

        var next = new FeatureCatalogState(_committed.Sets.SetItem(definition.Name, definition));
        await state.CommitAsync(next, this, logger, "the feature set listing");
        var grows = known is null;
        _committed = next;
        if (grows)
        {
            _names = [.. _committed.Sets.Keys];
        }
    }

    public Task<ImmutableArray<FeatureSetDefinition>> GetPageAsync(string? after, int limit)
    {
        var start = 0;
        if (after is not null)
        {
            var found = Array.BinarySearch(_names, after, StringComparer.Ordinal);
            start = found >= 0 ? found + 1 : ~found;
        }

        var page = ImmutableArray.CreateBuilder<FeatureSetDefinition>();
        for (var i = start; i < _names.Length && page.Count < limit; i++)
        {
            page.Add(_committed.Sets[_names[i]]);
        }

        return Task.FromResult(page.ToImmutable());
    }
}
