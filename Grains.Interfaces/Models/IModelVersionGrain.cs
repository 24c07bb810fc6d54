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

    /// <summary>
    /// Scores every row of a dataset version (the latest when <paramref name="datasetVersion"/> is null) with this
    /// version and computes the metrics its training reported, on a training slot of the silo that runs it. Read the
    /// version through <see cref="IModelGrain.GetVersionAsync"/> first: this grain does not know whether its model still
    /// lists it.
    /// </summary>
    /// <exception cref="ModelVersionNotFoundException">The version was never started, or was deleted.</exception>
    /// <exception cref="VersionNotReadyException">The version has not succeeded.</exception>
    /// <exception cref="DatasetNotFoundException">The dataset or its version does not exist, or its rows were deleted.</exception>
    /// <exception cref="InvalidEvaluationRequestException">The dataset lacks the label or an input column, or holds another kind of value.</exception>
    [Alias("Evaluate"), AlwaysInterleave, ResponseTimeout("00:30:00")]
    Task<ModelEvaluation> EvaluateAsync(string dataset, int? datasetVersion, CancellationToken cancellationToken = default);

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
