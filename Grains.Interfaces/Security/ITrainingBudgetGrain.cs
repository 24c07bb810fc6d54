namespace OrleansMl;

/// <summary>
/// One caller's budget of dataset uploads and training requests, shared by every gateway of the cluster: one instance
/// per credential (the key's id, the token's subject, or <c>anonymous</c> for callers without credentials), in memory.
/// Gateways ask it only when <c>OrleansMl__Limits__TrainingRequestsPerMinute</c> is set, and only for those requests,
/// never for a prediction. Losing it with its silo (or after it was idle long enough to be collected) refills the
/// budget, as a minute without requests would.
/// </summary>
[Alias("OrleansMl.ITrainingBudgetGrain")]
public interface ITrainingBudgetGrain : IGrainWithStringKey
{
    /// <summary>
    /// Takes one request from a budget of <paramref name="perMinute"/> a minute that refills steadily, in bursts of up to
    /// <paramref name="perMinute"/>: null when one was taken, else how long until one is free (nothing is taken).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="perMinute"/> is below 1.</exception>
    [Alias("TryTake")]
    Task<TimeSpan?> TryTakeAsync(int perMinute);
}
