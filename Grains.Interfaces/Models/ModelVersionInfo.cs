using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>The full record of one model version: lineage, status, metrics and schema.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Version">Version number, starting at 1.</param>
/// <param name="Status">Job status.</param>
/// <param name="Progress">0 to 1.</param>
/// <param name="Stage">What the job is doing (queued, loading, training, evaluating, saving, done).</param>
/// <param name="Spec">Resolved training specification (lineage).</param>
/// <param name="Algorithm">The learner actually used, with its main settings (e.g. <c>lightgbm(leaves=63,trees=300)</c>).</param>
/// <param name="Metrics">Held-out metrics by name (binary: accuracy, auc, f1, logLoss; multiclass: microAccuracy, macroAccuracy, logLoss; regression: rmse, mae, r2).</param>
/// <param name="Timings">Time spent per stage.</param>
/// <param name="Error">Why the job failed, in words a user can act on.</param>
/// <param name="Signature">Input schema and label decoding; set once succeeded.</param>
/// <param name="ArtifactHash">Content address of the saved model.</param>
/// <param name="CreatedAt">When the version was requested.</param>
/// <param name="StartedAt">When the job last started running.</param>
/// <param name="CompletedAt">When the job ended.</param>
/// <param name="Attempts">How many times the job was started (more than 1 after a resume).</param>
/// <param name="CreatedBy">Who requested the version (the caller's name; null when anonymous).</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.ModelVersionInfo")]
public sealed record ModelVersionInfo(
    [property: Id(0)] string Model,
    [property: Id(1)] int Version,
    [property: Id(2)] TrainingStatus Status,
    [property: Id(3)] double Progress,
    [property: Id(4)] string Stage,
    [property: Id(5)] TrainingSpec Spec,
    [property: Id(6)] string? Algorithm,
    [property: Id(7)] ImmutableDictionary<string, double> Metrics,
    [property: Id(8)] TrainingTimings Timings,
    [property: Id(9)] string? Error,
    [property: Id(10)] ModelSignature? Signature,
    [property: Id(11)] string? ArtifactHash,
    [property: Id(12)] DateTimeOffset CreatedAt,
    [property: Id(13)] DateTimeOffset? StartedAt,
    [property: Id(14)] DateTimeOffset? CompletedAt,
    [property: Id(15)] int Attempts,
    [property: Id(16)] string? CreatedBy = null)
{
    /// <summary>How <c>auto</c> chose the learner (null for a named learner, and for versions trained before it was kept).</summary>
    [Id(17)]
    public SearchResult? Search { get; init; }

    /// <summary>The version as listed on its model.</summary>
    public ModelVersionSummary ToSummary() =>
        new(Version, Status, Algorithm, Metrics, Spec.Dataset, Spec.DatasetVersion, CreatedAt, CompletedAt, CreatedBy);
}
