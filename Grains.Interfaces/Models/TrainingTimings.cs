namespace OrleansMl;

/// <summary>Where a training job spent its time, in milliseconds.</summary>
/// <param name="QueuedMs">Waiting for a training slot.</param>
/// <param name="DataLoadMs">Getting the parsed features (near zero on a cache hit).</param>
/// <param name="TrainingMs">Fitting, including any hyper-parameter search.</param>
/// <param name="EvaluationMs">Scoring the held-out rows.</param>
/// <param name="TotalMs">From start of run to the stored artifact.</param>
/// <param name="DataCacheHit">Whether the features came from memory.</param>
/// <param name="SearchMs">Of <paramref name="TrainingMs"/>, the <c>auto</c> search's part (zero for a named learner).</param>
/// <param name="RemoteTrials">Cross-validation fits of the <c>auto</c> search that other silos ran.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.TrainingTimings")]
public sealed record TrainingTimings(
    [property: Id(0)] double QueuedMs,
    [property: Id(1)] double DataLoadMs,
    [property: Id(2)] double TrainingMs,
    [property: Id(3)] double EvaluationMs,
    [property: Id(4)] double TotalMs,
    [property: Id(5)] bool DataCacheHit,
    [property: Id(6)] double SearchMs = 0,
    [property: Id(7)] int RemoteTrials = 0)
{
    /// <summary>No time recorded yet.</summary>
    public static TrainingTimings None { get; } = new(0, 0, 0, 0, 0, false);
}
