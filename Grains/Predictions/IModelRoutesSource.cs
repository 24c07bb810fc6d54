using Orleans.Concurrency;

namespace OrleansMl.Predictions;

/// <summary>Implemented by the model grain: its current routing table.</summary>
[Alias("OrleansMl.IModelRoutesSource")]
public interface IModelRoutesSource : IGrainWithStringKey
{
    [Alias("GetRoutes"), AlwaysInterleave]
    Task<ModelRoutes> GetRoutesAsync();
}
