using Orleans.Concurrency;

namespace OrleansMl;

/// <summary>
/// One model version, keyed <c>{model}/v{version}</c> (see <see cref="ModelVersionKey"/>), and the only owner of
/// everything about it: spec, status, progress, metrics, timings, artifact, signature and error. It trains itself on
/// a bounded per-silo queue, survives restarts (a queued or running job is run again) and always ends succeeded,
/// failed or cancelled. Versions are created by <see cref="IModelGrain.TrainAsync"/>; read them through
/// <see cref="IModelGrain.GetVersionAsync"/>, which answers only for versions the model has registered.
/// </summary>
[Alias("OrleansMl.IModelVersionGrain")]
public interface IModelVersionGrain : IGrainWithStringKey
{
    /// <summary>Current status, progress, metrics and schema.</summary>
    /// <exception cref="ModelVersionNotFoundException">The version was never started.</exception>
    [Alias("Get"), AlwaysInterleave]
    Task<ModelVersionInfo> GetAsync();

    /// <summary>
    /// Answers as soon as the version's status, stage or progress differs from <paramref name="known"/>, or after
    /// <paramref name="timeout"/> (at most 20 s) with the current state: a long poll for callers that follow a job.
    /// </summary>
    /// <exception cref="ModelVersionNotFoundException">The version was never started.</exception>
    [Alias("WaitForChange"), AlwaysInterleave]
    Task<ModelVersionInfo> WaitForChangeAsync(ModelVersionInfo known, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Cancels a queued or running job; a finished job is returned unchanged.</summary>
    /// <exception cref="StorageUnavailableException">The cancellation could not be stored; the job goes on.</exception>
    [Alias("Cancel")]
    Task<ModelVersionInfo> CancelAsync();

    /// <summary>
    /// Re-queues a job that was interrupted by a restart, and reports an ended job the model has not yet taken note
    /// of; no-op otherwise.
    /// </summary>
    [Alias("EnsureProgressing")]
    Task EnsureProgressingAsync();
}
