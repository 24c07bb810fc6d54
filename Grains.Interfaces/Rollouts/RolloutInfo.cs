using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>A model's current or last rollout, with per-arm health since it started.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Alias">The alias whose traffic is split.</param>
/// <param name="Baseline">The version the alias pointed at when the rollout started.</param>
/// <param name="Candidate">The version rolled out.</param>
/// <param name="Mode">Canary or shadow.</param>
/// <param name="Status">running, promoted, rolledBack or aborted.</param>
/// <param name="Weight">Percent of the alias's requests the candidate answers now (0 once ended, unless promoted).</param>
/// <param name="Steps">The weights it advances through.</param>
/// <param name="StepAfter">When it advances.</param>
/// <param name="StickyBy">The column whose value picks the arm.</param>
/// <param name="Guard">What rolls it back.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="StepStartedAt">When its current step started.</param>
/// <param name="EndedAt">When it ended.</param>
/// <param name="Decisions">Every decision, oldest first.</param>
/// <param name="Arms">Per arm (baseline, candidate): counts since the rollout started (at most the last hour).</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.RolloutInfo")]
public sealed record RolloutInfo(
    [property: Id(0)] string Model,
    [property: Id(1)] string Alias,
    [property: Id(2)] int Baseline,
    [property: Id(3)] int Candidate,
    [property: Id(4)] RolloutMode Mode,
    [property: Id(5)] RolloutStatus Status,
    [property: Id(6)] int Weight,
    [property: Id(7)] ImmutableArray<int> Steps,
    [property: Id(8)] RolloutStepAfter? StepAfter,
    [property: Id(9)] string? StickyBy,
    [property: Id(10)] RolloutGuard? Guard,
    [property: Id(11)] DateTimeOffset StartedAt,
    [property: Id(12)] DateTimeOffset StepStartedAt,
    [property: Id(13)] DateTimeOffset? EndedAt,
    [property: Id(14)] ImmutableArray<RolloutDecision> Decisions,
    [property: Id(15)] ImmutableArray<RolloutArm> Arms);

/// <summary>One arm's counts since the rollout started.</summary>
/// <param name="Arm">baseline or candidate.</param>
/// <param name="Version">Its version.</param>
/// <param name="Window">Its counts, as the health route reports them.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.RolloutArm")]
public sealed record RolloutArm(
    [property: Id(0)] string Arm,
    [property: Id(1)] int Version,
    [property: Id(2)] HealthWindow Window);
