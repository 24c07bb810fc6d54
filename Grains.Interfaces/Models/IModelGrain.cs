using Orleans.Concurrency;

namespace OrleansMl;

/// <summary>
/// The registry entry of one model, keyed by model name: its versions, aliases and alias history.
/// Promotion and rollback are linearizable here.
/// </summary>
[Alias("OrleansMl.IModelGrain")]
public interface IModelGrain : IGrainWithStringKey
{
    /// <summary>Allocates the next version and queues its training. Returns at once with status queued.</summary>
    /// <exception cref="DatasetNotFoundException">The dataset or dataset version does not exist.</exception>
    /// <exception cref="InvalidTrainingRequestException">The label or a feature column is missing, or a setting is out of range.</exception>
    [Alias("Train")]
    Task<ModelVersionInfo> TrainAsync(TrainingRequest request, CancellationToken cancellationToken = default);

    /// <summary>Versions (summaries), aliases and alias history.</summary>
    /// <exception cref="ModelNotFoundException">The model has no versions.</exception>
    [Alias("Get")]
    Task<ModelInfo> GetAsync();

    /// <summary>One version in full.</summary>
    /// <exception cref="ModelVersionNotFoundException">No such version.</exception>
    [Alias("GetVersion")]
    Task<ModelVersionInfo> GetVersionAsync(int version);

    /// <summary>Cancels a queued or running job; a finished job is returned unchanged.</summary>
    [Alias("Cancel")]
    Task<ModelVersionInfo> CancelAsync(int version);

    /// <summary>Points <paramref name="alias"/> at a succeeded version and records the change.</summary>
    /// <exception cref="VersionNotReadyException">The version has not succeeded.</exception>
    [Alias("SetAlias")]
    Task<AliasInfo> SetAliasAsync(string alias, int version, string? reason = null);

    /// <summary>Moves <paramref name="alias"/> back to the version it held before its latest change.</summary>
    /// <exception cref="RollbackUnavailableException">The alias never pointed at another version.</exception>
    [Alias("RollbackAlias")]
    Task<AliasInfo> RollbackAliasAsync(string alias, string? reason = null);

    /// <summary>
    /// Resolves which version serves a prediction: an explicit version, else an alias, else <c>production</c>,
    /// else the newest succeeded version.
    /// </summary>
    [Alias("Resolve"), AlwaysInterleave]
    Task<ResolvedVersion> ResolveAsync(int? version = null, string? alias = null);
}
