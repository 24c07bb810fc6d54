namespace OrleansMl;

/// <summary>
/// One model version, keyed <c>{model}/v{version}</c> (see <see cref="ModelVersionKey"/>). It trains itself on a
/// bounded per-silo queue, survives restarts (a queued or running job is run again) and always ends succeeded,
/// failed or cancelled.
/// </summary>
[Alias("OrleansMl.IModelVersionGrain")]
public interface IModelVersionGrain : IGrainWithStringKey
{
    /// <summary>Records the spec and queues the job. Idempotent: a second call returns the current state.</summary>
    [Alias("Start")]
    Task<ModelVersionInfo> StartAsync(TrainingSpec spec);

    /// <summary>Current status, progress, metrics and schema.</summary>
    /// <exception cref="ModelVersionNotFoundException">The version was never started.</exception>
    [Alias("Get")]
    Task<ModelVersionInfo> GetAsync();

    /// <summary>Cancels a queued or running job.</summary>
    [Alias("Cancel")]
    Task<ModelVersionInfo> CancelAsync();

    /// <summary>Re-queues a job that was interrupted by a restart; no-op for active or finished jobs.</summary>
    [Alias("EnsureProgressing")]
    Task EnsureProgressingAsync();
}
