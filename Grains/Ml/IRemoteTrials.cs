namespace OrleansMl.Ml;

/// <summary>
/// Other silos that may score the cross-validation fits of the current <c>auto</c> search. Each worker runs one fit at
/// a time; the search hands it the next fit as soon as it answers.
/// </summary>
public interface IRemoteTrials
{
    /// <summary>How many workers there are (one per other silo).</summary>
    int Count { get; }

    /// <summary>
    /// Scores candidate <paramref name="candidate"/> (described as <paramref name="algorithm"/>) on fold
    /// <paramref name="fold"/> on worker <paramref name="worker"/>; null when it has no free training slot, or its own
    /// list holds another learner at that place (the search then runs the fit itself and stops asking that worker).
    /// </summary>
    Task<double?> ScoreAsync(int worker, int candidate, string algorithm, int fold, CancellationToken cancellationToken);
}
