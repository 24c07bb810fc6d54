namespace OrleansMl;

/// <summary>One decision of a rollout, with the numbers it was made on.</summary>
/// <param name="At">When.</param>
/// <param name="Action">start, advance, promote, rollback or abort.</param>
/// <param name="Weight">The candidate's weight after the decision.</param>
/// <param name="Reason">The numbers, e.g. "auto-rollback: accuracy 0.61 vs baseline 0.95 − 0.02 after 214 labelled predictions".</param>
/// <param name="By">Who (null for the rollout's own decisions or anonymous callers).</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.RolloutDecision")]
public sealed record RolloutDecision(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Action,
    [property: Id(2)] int Weight,
    [property: Id(3)] string Reason,
    [property: Id(4)] string? By = null);
