using Orleans.Concurrency;

namespace OrleansMl;

/// <summary>
/// The registry of one model, keyed by model name: which version numbers exist, which of them can serve, its aliases
/// and their history. Everything about a single version is owned by its <see cref="IModelVersionGrain"/>; the reads
/// here check the registry and ask the version. Promotion and rollback are linearizable here.
/// </summary>
[Alias("OrleansMl.IModelGrain")]
public interface IModelGrain : IGrainWithStringKey
{
    /// <summary>
    /// Validates the request, allocates the next version and queues its training. Returns at once with status queued.
    /// A rejected or failed request allocates nothing: the next request gets the same version number. A request that
    /// carries an <see cref="TrainingRequest.IdempotencyKey"/> seen before with the same request returns that version.
    /// </summary>
    /// <exception cref="DatasetNotFoundException">The dataset or dataset version does not exist.</exception>
    /// <exception cref="InvalidVersionNumberException">The dataset version is below 1.</exception>
    /// <exception cref="InvalidTrainingRequestException">The label or a feature column is missing, or a setting is out of range.</exception>
    /// <exception cref="TrainingQueueFullException">Too many trainings are queued for the model or the cluster.</exception>
    /// <exception cref="IdempotencyConflictException">The idempotency key was used with a different request.</exception>
    /// <exception cref="StorageUnavailableException">The new version could not be stored; nothing was created.</exception>
    [Alias("Train")]
    Task<ModelVersionInfo> TrainAsync(TrainingRequest request, CancellationToken cancellationToken = default);

    /// <summary>Versions (summaries, read from each version), aliases and alias history.</summary>
    /// <exception cref="ModelNotFoundException">The model has no versions.</exception>
    [Alias("Get"), AlwaysInterleave]
    Task<ModelInfo> GetAsync();

    /// <summary>The model as listed: version count, newest version and aliases (from the registry alone).</summary>
    /// <exception cref="ModelNotFoundException">The model has no versions.</exception>
    [Alias("GetSummary"), AlwaysInterleave]
    Task<ModelSummary> GetSummaryAsync();

    /// <summary>One version in full, as its version grain holds it.</summary>
    /// <exception cref="InvalidVersionNumberException">The number is below 1.</exception>
    /// <exception cref="ModelVersionNotFoundException">No such version.</exception>
    [Alias("GetVersion"), AlwaysInterleave]
    Task<ModelVersionInfo> GetVersionAsync(int version);

    /// <summary>Cancels a queued or running job; a finished job is returned unchanged.</summary>
    /// <exception cref="StorageUnavailableException">The cancellation could not be stored; the job goes on.</exception>
    [Alias("Cancel"), AlwaysInterleave]
    Task<ModelVersionInfo> CancelAsync(int version);

    /// <summary>Points <paramref name="alias"/> at a succeeded version and records the change.</summary>
    /// <exception cref="VersionNotReadyException">The version has not succeeded.</exception>
    /// <exception cref="StorageUnavailableException">The change could not be stored; the alias is unchanged.</exception>
    [Alias("SetAlias")]
    Task<AliasInfo> SetAliasAsync(string alias, int version, string? reason = null);

    /// <summary>Moves <paramref name="alias"/> back to the version it held before its latest change.</summary>
    /// <exception cref="RollbackUnavailableException">The alias never pointed at another version.</exception>
    /// <exception cref="StorageUnavailableException">The change could not be stored; the alias is unchanged.</exception>
    [Alias("RollbackAlias")]
    Task<AliasInfo> RollbackAliasAsync(string alias, string? reason = null);

    /// <summary>
    /// Removes <paramref name="alias"/> with its rollback stack and its guard, records the removal in the alias history,
    /// and pushes the routes to every silo before returning: a prediction through the alias is refused from then on,
    /// and a prediction that names neither a version nor an alias uses the newest succeeded version once
    /// <see cref="ModelAliases.Production"/> is removed. Removing it again is refused: the alias no longer exists.
    /// </summary>
    /// <exception cref="InvalidNameException">The alias name is malformed.</exception>
    /// <exception cref="InvalidAliasChangeException">The reason is above the length limit.</exception>
    /// <exception cref="ModelNotFoundException">The model has no versions.</exception>
    /// <exception cref="AliasNotFoundException">The model has no such alias.</exception>
    /// <exception cref="RolloutInProgressException">A rollout runs on the alias.</exception>
    /// <exception cref="AliasInUseException">The model's schedule rolls its versions out against the alias.</exception>
    /// <exception cref="StorageUnavailableException">The change could not be stored; the alias is unchanged.</exception>
    [Alias("RemoveAlias")]
    Task<RemovedAlias> RemoveAliasAsync(string alias, string? reason = null);

    /// <summary>
    /// Deletes a version: it is no longer listed, read or served, its number is never given again, and its model file
    /// is removed from the artifact store once nothing else references the same content.
    /// </summary>
    /// <exception cref="InvalidVersionNumberException">The number is below 1.</exception>
    /// <exception cref="ModelVersionNotFoundException">No such version.</exception>
    /// <exception cref="VersionInUseException">An alias or an alias's rollback stack uses it, or its job has not ended.</exception>
    /// <exception cref="StorageUnavailableException">The change could not be stored; the version is unchanged.</exception>
    [Alias("DeleteVersion")]
    Task DeleteVersionAsync(int version);

    /// <summary>
    /// Resolves which version serves a prediction: an explicit version, else an alias, else
    /// <see cref="ModelAliases.Production"/>, else the newest succeeded version.
    /// </summary>
    [Alias("Resolve"), AlwaysInterleave]
    Task<ResolvedVersion> ResolveAsync(int? version = null, string? alias = null);

    /// <summary>
    /// Starts a rollout of a succeeded version against the version an alias points at: a canary (a share of the alias's
    /// requests, advanced through steps while the guard holds, promoted at 100%) or a shadow (the candidate scores the
    /// same rows off the request path). The split reaches every silo before this returns.
    /// </summary>
    /// <exception cref="InvalidRolloutException">The request is invalid.</exception>
    /// <exception cref="RolloutInProgressException">A rollout is already running.</exception>
    /// <exception cref="StorageUnavailableException">The rollout could not be stored; nothing started.</exception>
    [Alias("StartRollout")]
    Task<RolloutInfo> StartRolloutAsync(RolloutRequest request);

    /// <summary>The current or last rollout, with per-arm counts since it started.</summary>
    /// <exception cref="RolloutNotFoundException">The model never had a rollout.</exception>
    [Alias("GetRollout"), AlwaysInterleave]
    Task<RolloutInfo> GetRolloutAsync();

    /// <summary>Stops the running rollout: all traffic returns to the baseline on every silo before this returns.</summary>
    /// <exception cref="RolloutNotFoundException">No rollout is running.</exception>
    [Alias("AbortRollout")]
    Task<RolloutInfo> AbortRolloutAsync(string? reason = null);

    /// <summary>
    /// Sets the guard that watches an alias: when the live metric of the version it points at (since its promotion)
    /// breaches the guard against the version before it (its counts over the last hour), the alias rolls back by itself,
    /// with the numbers in its history, and the guard is removed.
    /// </summary>
    /// <exception cref="AliasNotFoundException">The model has no such alias.</exception>
    /// <exception cref="InvalidRolloutException">The guard is invalid.</exception>
    [Alias("SetAliasGuard")]
    Task<AliasGuardInfo> SetAliasGuardAsync(string alias, RolloutGuard guard);

    /// <summary>Removes an alias's guard (answered with <see cref="AliasGuardInfo.Guard"/> null).</summary>
    /// <exception cref="AliasNotFoundException">The model has no such alias.</exception>
    [Alias("RemoveAliasGuard")]
    Task<AliasGuardInfo> RemoveAliasGuardAsync(string alias);
}
