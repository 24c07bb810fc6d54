using Orleans.Concurrency;

namespace OrleansMl;

/// <summary>
/// The retraining schedule of one model, keyed by model name. Runs are driven by an Orleans reminder; each due time is
/// answered by at most one run, and a run that was due while the cluster was down runs once when it is back.
/// </summary>
[Alias("OrleansMl.IModelScheduleGrain")]
public interface IModelScheduleGrain : IGrainWithStringKey
{
    /// <summary>
    /// Validates the whole schedule (period, dataset, label against the newest dataset version, algorithm and parameters
    /// as training does, drift threshold, rollout spec and its alias) and sets it, replacing any schedule the model had;
    /// the first run is due one period from now. A refused schedule changes nothing.
    /// </summary>
    /// <exception cref="InvalidScheduleException">A field is invalid or does not fit the model.</exception>
    /// <exception cref="DatasetNotFoundException">The dataset does not exist.</exception>
    /// <exception cref="InvalidTrainingRequestException">The label, algorithm or a parameter does not fit the dataset.</exception>
    /// <exception cref="InvalidRolloutException">The rollout spec is invalid.</exception>
    /// <exception cref="StorageUnavailableException">The schedule could not be stored; nothing changed.</exception>
    [Alias("Set")]
    Task<ScheduleInfo> SetAsync(ScheduleRequest request, CancellationToken cancellationToken = default);

    /// <summary>The schedule.</summary>
    /// <remarks>
    /// Interleaves: the model's registry reads it while changing an alias, and a run may at that moment be waiting on the
    /// registry.
    /// </remarks>
    /// <exception cref="ScheduleNotFoundException">The model has no schedule.</exception>
    [Alias("Get"), AlwaysInterleave]
    Task<ScheduleInfo> GetAsync();

    /// <summary>Removes the schedule (its run history goes with it) and returns what it was.</summary>
    /// <exception cref="ScheduleNotFoundException">The model has no schedule.</exception>
    [Alias("Delete")]
    Task<ScheduleInfo> DeleteAsync();

    /// <summary>The run history, newest first.</summary>
    /// <exception cref="ScheduleNotFoundException">The model has no schedule.</exception>
    [Alias("GetRuns")]
    Task<ScheduleRuns> GetRunsAsync();

    /// <summary>
    /// What the reminder does: if a run is due and its due time has not been answered, runs it and returns it;
    /// otherwise returns null and changes nothing.
    /// </summary>
    [Alias("RunDue")]
    Task<ScheduleRun?> RunDueAsync();

    /// <summary>Makes sure the reminder is registered and a missed run is caught up (called when a silo starts).</summary>
    [Alias("EnsureScheduled")]
    Task EnsureScheduledAsync();
}
