namespace OrleansMl.Predictions;

/// <summary>
/// A running rollout's share of an alias's traffic, as every silo's route table holds it: requests through the alias
/// go to <paramref name="Candidate"/> <paramref name="Weight"/>% of the time (canary), or are also scored by it off the
/// request path (shadow).
/// </summary>
/// <param name="Candidate">The candidate version.</param>
/// <param name="Weight">Percent of the alias's requests the candidate answers (canary).</param>
/// <param name="Mode">Canary or shadow.</param>
/// <param name="StickyBy">A column whose value (of a request's first row) picks the arm, so the same value always gets the same one.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.RouteSplit")]
public sealed record RouteSplit(
    [property: Id(0)] int Candidate,
    [property: Id(1)] int Weight,
    [property: Id(2)] RolloutMode Mode,
    [property: Id(3)] string? StickyBy);
