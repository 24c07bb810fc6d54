using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>
/// How <c>auto</c> chose its learner: every candidate it scored on the training rows, best first, so a caller can see
/// how close the others came. The version's held-out metrics are the chosen learner's, refitted on every training row.
/// </summary>
/// <param name="Method">
/// How the candidates were scored and one chosen, e.g. "5-fold cross-validation on 142 training rows, choosing the first
/// candidate in order of preference whose mean is within one standard error of the best".
/// </param>
/// <param name="Objective">What the score is, e.g. "auc + 0.001 × accuracy − 0.0001 × logLoss" (higher is better).</param>
/// <param name="Candidates">
/// The candidates, best first; one is <see cref="SearchCandidate.Chosen"/>, unless none could be scored (the version is
/// then LightGBM at its defaults).
/// </param>
[GenerateSerializer, Immutable, Alias("OrleansMl.SearchResult")]
public sealed record SearchResult(
    [property: Id(0)] string Method,
    [property: Id(1)] string Objective,
    [property: Id(2)] ImmutableArray<SearchCandidate> Candidates);

/// <summary>One candidate of an <c>auto</c> search and its score.</summary>
/// <param name="Algorithm">The learner and its settings, as a version names them.</param>
/// <param name="Score">The mean of <paramref name="Scores"/>; null when the candidate could not be scored (out of time, or unable to fit the rows).</param>
/// <param name="Scores">The score on each fold (one value for a holdout), in fold order; null where a fit could not be scored.</param>
/// <param name="Chosen">Whether this candidate won (on a sample, the version's trees may have more leaves for all the rows).</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.SearchCandidate")]
public sealed record SearchCandidate(
    [property: Id(0)] string Algorithm,
    [property: Id(1)] double? Score,
    [property: Id(2)] ImmutableArray<double?> Scores,
    [property: Id(3)] bool Chosen);
