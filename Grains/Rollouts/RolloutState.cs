using System.Collections.Immutable;

namespace OrleansMl.Rollouts;

/// <summary>A model's current or last rollout as the model grain stores it.</summary>
[GenerateSerializer, Immutable, Alias("OrleansMl.RolloutState")]
public sealed record RolloutState(
    [property: Id(0)] string Alias,
    [property: Id(1)] int Baseline,
    [property: Id(2)] int Candidate,
    [property: Id(3)] RolloutMode Mode,
    [property: Id(4)] RolloutStatus Status,
    [property: Id(5)] int Weight,
    [property: Id(6)] ImmutableArray<int> Steps,
    [property: Id(7)] RolloutStepAfter? StepAfter,
    [property: Id(8)] string? StickyBy,
    [property: Id(9)] RolloutGuard? Guard,
    [property: Id(10)] DateTimeOffset StartedAt,
    [property: Id(11)] DateTimeOffset StepStartedAt,
    [property: Id(12)] DateTimeOffset? EndedAt,
    [property: Id(13)] ImmutableArray<RolloutDecision> Decisions)
{
    public bool IsRunning => Status == RolloutStatus.Running;

    /// <summary>The weights still ahead of the current one.</summary>
    public IEnumerable<int> NextSteps => Steps.Where(s => s > Weight);

    public RolloutInfo ToInfo(string model, ImmutableArray<RolloutArm> arms) => new(
        model, Alias, Baseline, Candidate, Mode, Status, Weight, Steps, StepAfter, StickyBy, Guard, StartedAt, StepStartedAt, EndedAt,
        Decisions, arms);
}
