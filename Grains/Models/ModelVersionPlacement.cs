using Orleans.Runtime.Placement;
using OrleansMl.Datasets;

namespace OrleansMl.Models;

/// <summary>Where a version trains: next to its dataset, whose silo caches the parsed features.</summary>
public static class ModelVersionPlacement
{
    /// <summary>
    /// Starts version <paramref name="version"/> of <paramref name="model"/> on the silo that holds the dataset grain (a
    /// placement hint: the runtime falls back to its own choice if that silo is gone).
    /// </summary>
    public static async Task<ModelVersionInfo> StartNearDatasetAsync(IGrainFactory grains, string model, int version, TrainingSpec spec, Guid allocation)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(spec);
        var silo = await grains.GetGrain<IDatasetLocation>(spec.Dataset).GetSiloAsync();
        var previous = RequestContext.Get(IPlacementDirector.PlacementHintKey);
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo);
        try
        {
            return await grains.GetGrain<IModelVersionControl>(ModelVersionKey.Format(model, version)).StartAsync(spec, allocation);
        }
        finally
        {
            if (previous is null)
            {
                RequestContext.Remove(IPlacementDirector.PlacementHintKey);
            }
            else
            {
                RequestContext.Set(IPlacementDirector.PlacementHintKey, previous);
            }
        }
    }
}
