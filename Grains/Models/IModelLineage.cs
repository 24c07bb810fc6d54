using System.Collections.Immutable;
using Orleans.Concurrency;

namespace OrleansMl.Models;

/// <summary>Implemented by the model grain: which of its versions were trained on a dataset version.</summary>
[Alias("OrleansMl.IModelLineage")]
public interface IModelLineage : IGrainWithStringKey
{
    /// <summary>
    /// The registered (not deleted) versions trained on <paramref name="dataset"/> version <paramref name="datasetVersion"/>;
    /// empty when the model does not exist. Interleaves, so a dataset grain may ask while this model waits on it.
    /// </summary>
    [Alias("GetVersionsTrainedOn"), AlwaysInterleave]
    Task<ImmutableArray<int>> GetVersionsTrainedOnAsync(string dataset, int datasetVersion);
}
