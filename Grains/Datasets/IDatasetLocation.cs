using Orleans.Concurrency;

namespace OrleansMl.Datasets;

/// <summary>
/// Implemented by the dataset grain: where it lives, and so where its parsed features are cached. Training is
/// placed there when it can be, so features are reused rather than shipped or parsed again.
/// </summary>
[Alias("OrleansMl.IDatasetLocation")]
public interface IDatasetLocation : IGrainWithStringKey
{
    [Alias("GetSilo"), AlwaysInterleave]
    Task<SiloAddress> GetSiloAsync();
}
