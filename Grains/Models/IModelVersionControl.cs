using Orleans.Concurrency;

namespace OrleansMl.Models;

/// <summary>Implemented by the version grain: what only the model grain, as the registry, calls.</summary>
[Alias("OrleansMl.IModelVersionControl")]
public interface IModelVersionControl : IGrainWithStringKey
{
    /// <summary>
    /// Records the spec as start <paramref name="allocation"/> and queues the job; the state is stored before anything
    /// starts. The same allocation again returns the current state. A state of any other allocation is an orphan of a
    /// start the registry never recorded (it only starts numbers it has not yet registered): its job is stopped and it
    /// is replaced.
    /// </summary>
    /// <exception cref="StorageUnavailableException">The state could not be stored; nothing was started or replaced.</exception>
    [Alias("Start")]
    Task<ModelVersionInfo> StartAsync(TrainingSpec spec, Guid allocation);

    /// <summary>
    /// Deletes the version's state and releases its model file, after the registry removed it. Stops a job that still
    /// runs. Idempotent: a version with no state (deleted already, or never started) has nothing to do.
    /// </summary>
    /// <exception cref="StorageUnavailableException">The state could not be deleted; the registry asks again later.</exception>
    [Alias("Delete")]
    Task DeleteAsync();

    /// <summary>The start this version's stored state belongs to, or null when it has none.</summary>
    [Alias("GetAllocation"), AlwaysInterleave]
    Task<Guid?> GetAllocationAsync();
}
