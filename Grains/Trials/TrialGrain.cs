using Orleans.Concurrency;
using OrleansMl.Diagnostics;
using OrleansMl.Work;

namespace OrleansMl.Trials;

/// <summary>
/// Scores fits of other silos' searches on this silo's free training slots. Reentrant: each call takes a slot of its own
/// or declines at once, so a busy silo never makes a search wait.
/// </summary>
[Reentrant]
public sealed class TrialGrain(SearchTrialCache searches, TrainingWorker worker, ILocalSiloDetails silo) : Grain, ITrialGrain
{
    public async Task<double?> ScoreAsync(TrialRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);

        // Placed by hint on the silo its key names; if that silo was gone, this one declines (its slots are its own).
        if (silo.SiloAddress.ToParsableString() != this.GetPrimaryKeyString())
        {
            DeactivateOnIdle();
            return null;
        }

        using var slot = worker.TryAcquire();
        if (slot is null)
        {
            OrleansMlMetrics.RemoteTrial(scored: false);
            return null;
        }

        var trials = await searches.GetAsync(request.Search, request.Spec, cancellationToken);
        if (trials is null || request.Candidate >= trials.Candidates || request.Fold >= trials.Folds
            || (request.Algorithm is { } algorithm && trials.Describe(request.Candidate) != algorithm))
        {
            return null;
        }

        var score = await BoundedWorker.RunAsync(() => trials.Score(request.Candidate, request.Fold, cancellationToken), cancellationToken);
        OrleansMlMetrics.RemoteTrial(scored: true);
        return score;
    }
}
