using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>The rollout a schedule starts for each version it trained (a <see cref="RolloutRequest"/> without a candidate).</summary>
/// <param name="Alias">The alias whose traffic is split.</param>
/// <param name="Mode">Canary or shadow.</param>
/// <param name="Steps">Weights to advance through, ending at 100.</param>
/// <param name="Weight">Percent of the alias's requests the candidate answers at first (default: the first step).</param>
/// <param name="StepAfter">When to advance to the next step.</param>
/// <param name="StickyBy">A column whose value picks the arm.</param>
/// <param name="Guard">What rolls the candidate back.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.ScheduleRollout")]
public sealed record ScheduleRollout(
    [property: Id(0)] string Alias,
    [property: Id(1)] RolloutMode Mode,
    [property: Id(2)] ImmutableArray<int> Steps,
    [property: Id(3)] int? Weight = null,
    [property: Id(4)] RolloutStepAfter? StepAfter = null,
    [property: Id(5)] string? StickyBy = null,
    [property: Id(6)] RolloutGuard? Guard = null)
{
    /// <summary>The rollout of <paramref name="candidate"/>.</summary>
    public RolloutRequest For(int candidate) => new(candidate, Alias, Mode, Weight, Steps, StepAfter, StickyBy, Guard);
}
