namespace OrleansMl.Trials;

/// <summary>
/// One per silo, keyed by the silo's address and placed on it: where another silo's <c>auto</c> search sends
/// cross-validation fits while this silo has a free training slot.
/// </summary>
[Alias("OrleansMl.ITrialGrain")]
public interface ITrialGrain : IGrainWithStringKey
{
    /// <summary>The fit's score; null when this silo has no free training slot (or is not the silo the key names).</summary>
    [Alias("Score")]
    Task<double?> ScoreAsync(TrialRequest request, CancellationToken cancellationToken = default);
}

/// <summary>Candidate <paramref name="Candidate"/> on fold <paramref name="Fold"/> of search <paramref name="Search"/> of a training spec.</summary>
[GenerateSerializer, Immutable, Alias("OrleansMl.TrialRequest")]
public sealed record TrialRequest(
    [property: Id(0)] Guid Search,
    [property: Id(1)] TrainingSpec Spec,
    [property: Id(2)] int Candidate,
    [property: Id(3)] int Fold)
{
    /// <summary>
    /// The candidate as the searching silo describes it: a silo whose own list holds another learner at that place (a
    /// silo of another release) declines the fit rather than score the wrong one. Null from a silo that does not send it.
    /// </summary>
    [Id(4)]
    public string? Algorithm { get; init; }
}
