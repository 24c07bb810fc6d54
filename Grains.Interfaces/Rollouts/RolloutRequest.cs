using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>A rollout to start: <paramref name="Candidate"/> against the version <paramref name="Alias"/> points at.</summary>
/// <param name="Candidate">The succeeded version to roll out.</param>
/// <param name="Alias">The alias whose traffic is split (default production).</param>
/// <param name="Mode">Canary (default) or shadow.</param>
/// <param name="Weight">Percent of the alias's requests the candidate answers at first (default: the first step).</param>
/// <param name="Steps">Weights to advance through, ascending, ending at 100 (promotion); default [10, 50, 100].</param>
/// <param name="StepAfter">When to advance to the next step.</param>
/// <param name="StickyBy">A column whose value picks the arm, so the same value always gets the same one.</param>
/// <param name="Guard">What rolls the candidate back.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.RolloutRequest")]
public sealed record RolloutRequest(
    [property: Id(0)] int Candidate,
    [property: Id(1)] string? Alias = null,
    [property: Id(2)] RolloutMode Mode = RolloutMode.Canary,
    [property: Id(3)] int? Weight = null,
    [property: Id(4)] ImmutableArray<int> Steps = default,
    [property: Id(5)] RolloutStepAfter? StepAfter = null,
    [property: Id(6)] string? StickyBy = null,
    [property: Id(7)] RolloutGuard? Guard = null);

/// <summary>When a canary advances to its next step: both conditions given must hold (and the guard).</summary>
/// <param name="Samples">Candidate requests in this step (labelled predictions, for a feedback guard).</param>
/// <param name="Duration">Time spent in this step.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.RolloutStepAfter")]
public sealed record RolloutStepAfter(
    [property: Id(0)] long? Samples = null,
    [property: Id(1)] TimeSpan? Duration = null);

/// <summary>
/// What rolls a candidate back, checked continuously: <c>accuracy</c> more than <paramref name="MaxDrop"/> below the
/// baseline's, <c>rmse</c> or <c>mae</c> more than <paramref name="MaxDrop"/> above the baseline's (or above
/// <paramref name="Max"/>), <c>errorRate</c> above <paramref name="Max"/> (a share, 0 to 1), <c>p99</c> above
/// <paramref name="Max"/> milliseconds; only once the candidate has <paramref name="MinSamples"/> samples (labelled
/// predictions for accuracy, rmse and mae; requests otherwise).
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansMl.RolloutGuard")]
public sealed record RolloutGuard(
    [property: Id(0)] string Metric,
    [property: Id(1)] double? MaxDrop = null,
    [property: Id(2)] double? Max = null,
    [property: Id(3)] int MinSamples = 100);
