using System.Collections.Immutable;
using Orleans.Concurrency;

namespace OrleansMl.Models;

/// <summary>Implemented by the model grain: the one way the registry learns that a version has ended.</summary>
[Alias("OrleansMl.IModelVersionListener")]
public interface IModelVersionListener : IGrainWithStringKey
{
    /// <summary>
    /// Version <paramref name="version"/>, started as <paramref name="allocation"/>, ended with <paramref name="status"/>.
    /// Idempotent. Returns true once the registry has taken note (routes published when it succeeded), false when the
    /// registry never recorded that start (an orphan): either way there is nothing left to report.
    /// </summary>
    [Alias("OnVersionEnded")]
    Task<bool> OnVersionEndedAsync(int version, Guid allocation, TrainingStatus status);

    /// <summary>The versions whose end the registry has not been told of yet (queued, running, or ended unreported).</summary>
    [Alias("GetPending"), AlwaysInterleave]
    Task<ImmutableArray<int>> GetPendingAsync();
}
