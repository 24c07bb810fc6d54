namespace OrleansMl;

/// <summary>One run of a schedule: when it was due, what it looked at, what it decided and why.</summary>
/// <param name="Due">The due time this run answered; no two runs answer the same one.</param>
/// <param name="StartedAt">When it ran (later than <paramref name="Due"/> when the cluster was down at the due time).</param>
/// <param name="Dataset">The dataset it looked at.</param>
/// <param name="DatasetVersion">The newest version of that dataset at the time (null if it could not be read).</param>
/// <param name="Decision"><c>skipped</c>, <c>training</c> (the version is still training), <c>trained</c> or <c>failed</c>.</param>
/// <param name="Reason">Why, in words: "skipped: no new rows since v12", "trained v13: auc 0.962".</param>
/// <param name="Version">The model version it trained, if it trained.</param>
/// <param name="Then">
/// What followed the training: <c>none</c>, <c>promoted</c>, <c>notPromoted</c>, <c>rolloutStarted</c> or
/// <c>rolloutNotStarted</c>; null until the version succeeded.
/// </param>
/// <param name="ThenReason">Why, in words: "not promoted: auc 0.941 &lt; production 0.950 (v4)".</param>
/// <param name="EndedAt">When the run's decision (and what followed it) was complete.</param>
/// <param name="TriggeredBy">Why a run that trained did: "trigger always", "new data: v13 (last trained on v12)", "max PSI 0.31 ≥ 0.2 (...)".</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.ScheduleRun")]
public sealed record ScheduleRun(
    [property: Id(0)] DateTimeOffset Due,
    [property: Id(1)] DateTimeOffset StartedAt,
    [property: Id(2)] string Dataset,
    [property: Id(3)] int? DatasetVersion,
    [property: Id(4)] string Decision,
    [property: Id(5)] string Reason,
    [property: Id(6)] int? Version = null,
    [property: Id(7)] string? Then = null,
    [property: Id(8)] string? ThenReason = null,
    [property: Id(9)] DateTimeOffset? EndedAt = null,
    [property: Id(10)] string? TriggeredBy = null)
{
    public const string Skipped = "skipped";
    public const string Training = "training";
    public const string Trained = "trained";
    public const string Failed = "failed";
}
