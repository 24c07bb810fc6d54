using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;

namespace OrleansMl.Ml;

/// <summary>
/// The time-boxed search behind <see cref="TrainingAlgorithm.Auto"/>; the caller refits the winner on all training rows.
/// <para>
/// Under <see cref="CrossValidationRows"/> rows a fixed list of candidates (set by the data's size, never by timing, so
/// the choice is the same for the same data and seed) is scored by stratified k-fold cross-validation on the training
/// rows (one small holdout is too noisy to choose by): the learners at their defaults, so the search picks among the
/// models a user could have asked for by the estimate that varies least, plus a less regularized linear model.
/// The first candidate whose mean over the folds is within one standard error of the best mean wins (see
/// <see cref="WithinOneStandardError"/>; a forest is scored with half its trees, see <see cref="AsScored"/>). The fits run
/// on the training's threads, one LightGBM and one FastTree-family fit at a time (ML.NET runs no more per process);
/// <c>timeBudgetSeconds</c> does not shorten this list.
/// </para>
/// <para>
/// Above it, candidates are fitted on part of the training rows and scored on a validation part carved from the rest.
/// The budget covers the search and the refit: the search stops when the predicted refit of the best candidate would
/// overrun it. Large data is searched on a sample (so the budget buys several informative trials rather than one slow
/// one) and the winner's trees then get the extra leaves the full data supports.
/// </para>
/// </summary>
internal sealed class AutoSearch(
    MLContext ml,
    MlCancellation cancellation,
    TrainingPlan plan,
    ITransformer featurizer,
    int? threads,
    int seed,
    IProgress<TrainingProgress>? progress,
    IRemoteTrials? remote = null)
{
    private int _remoteFits;

    /// <summary>The most trees any candidate of the search has (the random ones draw up to 400).</summary>
    public const int LargestTrees = 400;

    /// <summary>The most leaves any candidate of the search has (the forest's, on large data).</summary>
    public const int LargestLeaves = 512;

    /// <summary>Below this many training rows the search cross-validates.</summary>
    public const int CrossValidationRows = 10_000;

    // Up to this many training cells (rows x feature width, text counting 8) cross-validation uses five folds, above it three.
    private const long FiveFoldCells = 5_000;

    private static readonly TimeSpan ProgressEvery = TimeSpan.FromMilliseconds(25);
    private const double ValidationFraction = 0.2;
    // The sample a large search fits and scores its trials on. A linear model and boosted trees on 10,000 of 160,000
    // rows took 0.8-1.4 s with their scoring, on 20,000 (and 10,000 validation rows) 1.2-2.0 s, for the same choice.
    private const int MaxSearchRows = 10_000;
    private const int MaxValidationRows = 5_000;

    // A sampled winner's trees grow to at most this many leaves on all rows. On 160,000 x 20 rows (40,000 test rows)
    // boosted trees with 178 leaves (63 scaled from a 20,000-row sample) fitted in 3.9 s at accuracy 0.9797, AUC 0.9936;
    // with 127 in 3.1 s at 0.9796, 0.9937; with 63 in 2.1 s at 0.9773, 0.9933. The refit is most of a large search.
    private const int MaxScaledLeaves = 127;
    private const int MinimumTrials = 2;

    /// <summary>The budget of a search on a sample (search and refit) when the caller sets none: more for more data.</summary>
    public static double DefaultBudgetSeconds(int rows, FeatureLayout layout)
    {
        // 1.8 s for 160,000 rows of 20 numbers: the first trials on the sample and the refit of their winner (the refit,
        // on all rows, is most of the time; the budget used to be twice this and left auto at 0.14x a forest's time).
        var width = Math.Max(1, layout.Numeric.Length + (8 * layout.Text.Length));
        return Math.Clamp(1 + (rows * (double)width / 4e6), 1, 30);
    }

    public Candidate Run(int[] trainRows, HyperParameters fixedParameters) =>
        trainRows.Length < CrossValidationRows ? CrossValidate(trainRows, fixedParameters) : SearchOnSample(trainRows, fixedParameters);

    /// <summary>Every candidate <see cref="Run"/> scored, best first, and how; null before it has run.</summary>
    public SearchResult? Result { get; private set; }

    /// <summary>
    /// Scores a fixed list of candidates, chosen by the data's size only (so the choice depends on the data and the
    /// seed, never on timing), by k-fold cross-validation and returns the first within one standard error of the best
    /// mean. The learners at their defaults are on the list, so the choice is one a user comparing them by the same
    /// folds could make, or a variant that beat them all there.
    /// </summary>
    private Candidate CrossValidate(int[] trainRows, HyperParameters fixedParameters)
    {
        var folds = PrepareCrossValidation(trainRows, fixedParameters);
        var candidates = folds.Candidates;
        var scores = new double[candidates.Count][];
        for (var i = 0; i < candidates.Count; i++)
        {
            scores[i] = new double[folds.Data.Length];
        }

        var fits = new List<FoldFit>();
        for (var i = 0; i < candidates.Count; i++)
        {
            for (var f = 0; f < folds.Data.Length; f++)
            {
                fits.Add(new FoldFit(i, f, LockFamily(candidates[i].Algorithm), Cost(AsScored(candidates[i])), candidates[i].Describe(plan.Task)));
            }
        }

        RunFits(fits, fit => scores[fit.Candidate][fit.Fold] = ScoreFold(folds, fit.Candidate, fit.Fold), (fit, score) => scores[fit.Candidate][fit.Fold] = score);

        var preference = Preference(candidates);
        var chosen = WithinOneStandardError(scores, preference);
        Result = Summarize(
            string.Create(CultureInfo.InvariantCulture, $"{folds.Data.Length}-fold cross-validation on {trainRows.Length:N0} training rows")
                + (candidates.Any(c => c.Algorithm == TrainingAlgorithm.FastForest) ? " (a forest's folds fitted with half its trees)" : string.Empty)
                + ", choosing the first candidate in order of preference whose mean is within one standard error of the best",
            preference.Select(i => (candidates[i], scores[i])), candidates[chosen]);
        return candidates[chosen];
    }

    /// <summary>
    /// The one-standard-error rule: the first candidate in order of preference (<paramref name="preference"/>, indexes
    /// into <paramref name="scores"/>; by default the list's order, the linear model at its defaults first) whose mean
    /// over the folds is within one standard error of the best mean, the error being that of the best candidate's fold
    /// scores. A difference the folds cannot tell from noise goes to the preferred model, the one whose estimate varies
    /// least. On 80 seeded splits of the public datasets (<c>--auto --seeds 20</c> of <c>tests/Benchmarks</c>) it matched
    /// or beat the best learner at its defaults on the test rows on 62, where the best mean alone did on 57, and its mean
    /// test score was as high or higher on all four sets (with the linear default at L2 0.1 it had done worse than the
    /// best mean).
    /// </summary>
    internal static int WithinOneStandardError(IReadOnlyList<double[]> scores, IReadOnlyList<int>? preference = null)
    {
        preference ??= [.. Enumerable.Range(0, scores.Count)];
        var best = preference[0];
        foreach (var i in preference.Skip(1))
        {
            if (scores[i].Average() > scores[best].Average())
            {
                best = i;
            }
        }

        var folds = scores[best];
        var mean = folds.Average();
        var error = Math.Sqrt(folds.Sum(v => (v - mean) * (v - mean)) / Math.Max(1, folds.Length - 1) / folds.Length);
        if (!double.IsFinite(error))
        {
            return best;
        }

        foreach (var i in preference.TakeWhile(i => i != best))
        {
            if (scores[i].Average() >= mean - error)
            {
                return i;
            }
        }

        return best;
    }

    /// <summary>The search's record: each candidate with its scores, best mean first (ties in the order they were tried).</summary>
    private SearchResult Summarize(string method, IEnumerable<(Candidate Candidate, double[] Scores)> scored, Candidate? chosen) =>
        new(method, ObjectiveText(plan.Task), [.. scored
            .Select((s, order) => (s, order, mean: s.Scores.All(double.IsFinite) ? s.Scores.Average() : (double?)null))
            .OrderByDescending(x => x.mean ?? double.NegativeInfinity)
            .ThenBy(x => x.order)
            .Select(x => new SearchCandidate(
                x.s.Candidate.Describe(plan.Task),
                x.mean is { } m ? Math.Round(m, 6) : null,
                [.. x.s.Scores.Select(v => double.IsFinite(v) ? Math.Round(v, 6) : (double?)null)],
                x.s.Candidate == chosen))]);

    /// <summary>What <see cref="ModelMetrics.Objective"/> computes, in words.</summary>
    internal static string ObjectiveText(ModelTask task) => task switch
    {
        ModelTask.Binary => "auc + 0.001 × accuracy − 0.0001 × logLoss (higher is better)",
        ModelTask.Multiclass => "microAccuracy − 0.0001 × logLoss (higher is better)",
        _ => "−rmse (higher is better)",
    };

    /// <summary>
    /// The folds of the cross-validation and the candidates scored on them: the same for the same frame, spec and seed
    /// wherever they are built, so a fit scored on another silo scores exactly as it would here.
    /// </summary>
    internal CrossValidationFolds PrepareCrossValidation(int[] trainRows, HyperParameters fixedParameters)
    {
        var data = Folds(trainRows, FoldCount(trainRows.Length, plan.Layout))
            .Select(f => new FoldData(
                ml.Data.Cache(featurizer.Transform(new FrameDataView(plan.Layout, plan.LabelPlan, f.Fit))),
                ml.Data.Cache(featurizer.Transform(new FrameDataView(plan.Layout, plan.LabelPlan, f.Valid))),
                f.Fit.Length))
            .ToArray();
        return new CrossValidationFolds(
            CrossValidationCandidates(
                trainRows.Length, fixedParameters, DiscriminantAnalysis.Suits(plan.Task, plan.Layout), KernelRidge.Suits(plan.Task, plan.Layout, trainRows.Length)),
            data);
    }

    /// <summary>One candidate fitted on one fold's fitting part and scored on its validation part (one thread).</summary>
    internal double ScoreFold(CrossValidationFolds folds, int candidate, int fold)
    {
        var data = folds.Data[fold];
        return Trial(AsScored(folds.Candidates[candidate]), data.Fit, data.Rows, data.Valid, Timeout.InfiniteTimeSpan, learnerThreads: 1);
    }

    /// <summary>
    /// What a fold fits for a candidate: the candidate itself, except that a forest is scored with half its trees. A
    /// forest's trees are grown independently and its score levels off as they are added (boosting's does not: each tree
    /// corrects the ones before it), so half of them estimate the whole as well as the folds can tell; the winner is
    /// refitted with all of them. The forest's fold fits are the longest chain of a small search (ML.NET runs one
    /// FastTree-family fit at a time), and on 80 seeded splits of the public datasets (<c>--auto --seeds 20</c> of
    /// <c>tests/Benchmarks</c>) half the trees made the searches 12-26% shorter on average (wine 324 → 263 ms) and
    /// matched or beat the best learner at its defaults on 53 splits instead of 52.
    /// </summary>
    internal static Candidate AsScored(Candidate candidate) =>
        candidate.Algorithm == TrainingAlgorithm.FastForest ? candidate with { Trees = Math.Max(1, candidate.Trees / 2) } : candidate;

    /// <summary>Fits the search handed to other silos, for the version's timings.</summary>
    public int RemoteFits => _remoteFits;

    /// <summary>
    /// LightGBM, FastForest and the linear learner at their defaults (for this many training rows, as when asked for by
    /// name), then the linear learner with a tenth of its default L2 penalty, with <paramref name="discriminant"/>
    /// (<see cref="DiscriminantAnalysis.Suits"/>) linear discriminant analysis, and with <paramref name="kernel"/>
    /// (<see cref="KernelRidge.Suits"/>) kernel ridge regression. Parameters the caller fixed apply to all.
    /// <para>
    /// FastTree at its defaults is left out: on 28 seeded splits of scikit-learn's breast cancer, iris, wine and
    /// diabetes sets, adding it never changed which candidate five-fold cross-validation picked, and its fits cost the
    /// most (on breast cancer 531 ms of CPU against 342 ms for the four others together). A second linear model at
    /// another L2 penalty raised the splits where the choice matched or beat the best learner at its defaults on the
    /// test rows; with the default at L2 1, the second at 0.1 matched on 57 of 80 seeded splits, at 3 on 48 and at 10
    /// on 51. Smaller boosted trees (7 or 4 leaves) changed nothing.
    /// </para>
    /// </summary>
    internal static List<Candidate> CrossValidationCandidates(int rows, HyperParameters fixedParameters, bool discriminant = false, bool kernel = false)
    {
        List<Candidate> candidates =
        [
            Candidate.Default(TrainingAlgorithm.Linear, rows, fixedParameters),
            Candidate.Default(TrainingAlgorithm.LightGbm, rows, fixedParameters),
            Candidate.Default(TrainingAlgorithm.FastForest, rows, fixedParameters),
            new Candidate(TrainingAlgorithm.Linear, 100, 0, 0, 0, 0.1).With(fixedParameters),
        ];
        if (discriminant)
        {
            // Last in the list, so the list's first four mean the same on a silo of the previous release (a fit is sent
            // to another silo by its place in the list); first in preference (see Preference).
            candidates.Add(Candidate.Default(TrainingAlgorithm.Lda, rows, fixedParameters));
        }

        if (kernel)
        {
            // Last for the same reason; first in preference too.
            candidates.Add(Candidate.Default(TrainingAlgorithm.KernelRidge, rows, fixedParameters));
        }

        return [.. candidates.Distinct()];
    }

    /// <summary>
    /// The order in which the one-standard-error rule prefers the candidates (indexes into <paramref name="candidates"/>):
    /// linear discriminant analysis or kernel ridge regression first, then the list's order. Of two linear models of the
    /// same classes, discriminant analysis is the one whose estimate varies least where the classes are near Gaussian (it
    /// spends the rows on means and one covariance; Efron, 1975), so a tie the folds cannot resolve goes to it. On 40
    /// seeded splits of iris and wine (<c>--auto --seeds 20 --datasets iris,wine</c> of <c>tests/Benchmarks</c>)
    /// preferring it matched or beat the best learner at its defaults on 33 splits, preferring the linear model on 26;
    /// its mean accuracy on iris rose from 0.958 to 0.975, on wine it fell from 0.986 to 0.985.
    /// <para>
    /// Kernel ridge regression nests a ridge regression (its Gaussian part shrunk away by a large penalty) and chooses its
    /// own penalty by leave-one-out error, so where the folds cannot tell it from the linear model it is the one that can
    /// still follow a curvature. On 20 seeded splits of diabetes (<c>--auto --seeds 20 --datasets diabetes</c>) preferring
    /// it brought <c>auto</c>'s mean test RMSE from 54.76 (the linear model) to 54.33.
    /// </para>
    /// </summary>
    internal static int[] Preference(IReadOnlyList<Candidate> candidates) =>
    [
        .. Enumerable.Range(0, candidates.Count).Where(i => candidates[i].Algorithm is TrainingAlgorithm.Lda or TrainingAlgorithm.KernelRidge),
        .. Enumerable.Range(0, candidates.Count).Where(i => candidates[i].Algorithm is not (TrainingAlgorithm.Lda or TrainingAlgorithm.KernelRidge)),
    ];

    /// <summary>
    /// Five folds up to <see cref="FiveFoldCells"/> training cells (iris, wine, diabetes), three above (breast cancer):
    /// with five the choice matched or beat the best learner at its defaults on the test rows on 18 of 28 seeded splits
    /// of the public datasets, with three on 16 (the same on breast cancer), and five cost two thirds more fits.
    /// </summary>
    internal static int FoldCount(int rows, FeatureLayout layout) =>
        rows * (long)Math.Max(1, layout.Numeric.Length + (8 * layout.Text.Length)) <= FiveFoldCells ? 5 : 3;

    /// <summary>
    /// Runs the fits on the training's threads, each taking the costliest fit left whose learner family is not already
    /// fitting: ML.NET lets one LightGBM and one FastTree-family fit run at a time per process, so two of a family at
    /// once would only wait for each other. With <see cref="IRemoteTrials"/>, each other silo with a free training slot
    /// takes fits too, one at a time; a fit it declines or loses (no free slot, the silo gone) goes back to the list and
    /// is run here. Scores do not depend on where a fit ran. Progress is reported here, on the calling thread, as fits
    /// complete.
    /// </summary>
    private void RunFits(List<FoldFit> fits, Action<FoldFit> run, Action<FoldFit, double> scored)
    {
        var pending = fits.OrderByDescending(f => f.Cost).ToList();
        var total = pending.Count;
        var busy = new HashSet<string>();
        var gate = new Lock();
        var done = 0;
        Exception? failure = null;
        var workers = Math.Clamp(threads ?? Environment.ProcessorCount, 1, Math.Max(1, total));

        bool Stopped() => failure is not null || cancellation.IsCancellationRequested;

        FoldFit? Next(FoldFit? finished)
        {
            lock (gate)
            {
                if (finished is not null)
                {
                    busy.Remove(finished.Family);
                    done++;
                }

                if (pending.Count == 0 || Stopped())
                {
                    return null;
                }

                var index = pending.FindIndex(p => p.Family.Length == 0 || !busy.Contains(p.Family));
                var next = pending[Math.Max(0, index)];
                pending.Remove(next);
                busy.Add(next.Family);
                return next;
            }
        }

        // Another silo takes the costliest fit left too (its own process has its own learner locks): the longest fits
        // first on every worker leaves the shortest ones to even out the end.
        FoldFit? NextRemote(FoldFit? finished)
        {
            lock (gate)
            {
                if (finished is not null)
                {
                    done++;
                }

                if (pending.Count == 0 || Stopped())
                {
                    return null;
                }

                var next = pending[0];
                pending.RemoveAt(0);
                return next;
            }
        }

        void GiveBack(FoldFit fit)
        {
            lock (gate)
            {
                var at = pending.FindIndex(p => p.Cost < fit.Cost);
                pending.Insert(at < 0 ? pending.Count : at, fit);
            }
        }

        async Task RemoteLoop(int worker)
        {
            FoldFit? current = null;
            while ((current = NextRemote(current)) is not null)
            {
                double? score;
                try
                {
                    score = await remote!.ScoreAsync(worker, current.Candidate, current.Algorithm, current.Fold, cancellation.Token);
                }
                catch (Exception)
                {
                    score = null; // The silo or the call failed (or the run was cancelled): the fit is run here.
                }

                if (score is not { } value)
                {
                    GiveBack(current);
                    return;
                }

                scored(current, value);
                Interlocked.Increment(ref _remoteFits);
            }
        }

        Task LocalLoop() => Task.Run(() =>
        {
            FoldFit? current = null;
            while ((current = Next(current)) is not null)
            {
                try
                {
                    run(current);
                }
                catch (Exception error)
                {
                    lock (gate)
                    {
                        failure ??= error;
                    }
                }
            }
        });

        bool HasPending()
        {
            lock (gate)
            {
                return pending.Count > 0 && !Stopped();
            }
        }

        var reported = 0;
        void Report()
        {
            var finished = Volatile.Read(ref done);
            if (finished > reported)
            {
                reported = finished;
                progress?.Report(new TrainingProgress("training", 0.2 + (0.6 * reported / total)));
            }
        }

        using var headroom = ThreadPoolHeadroom.Reserve(workers);
        var remoteLoops = Enumerable.Range(0, remote?.Count ?? 0).Select(w => Task.Run(() => RemoteLoop(w))).ToArray();
        while (true)
        {
            // Local loops end when the list is empty; a fit another silo gives back after that starts a new round.
            var local = Enumerable.Range(0, workers).Select(_ => LocalLoop()).ToArray();
            while (!Task.WaitAll(local, ProgressEvery))
            {
                Report();
            }

            while (!Task.WaitAll(remoteLoops, ProgressEvery) && !HasPending())
            {
                Report();
            }

            if (!HasPending())
            {
                break;
            }
        }

        Report();
        cancellation.ThrowIfCancellationRequested();
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>The process-wide lock a learner's fits take in ML.NET; empty when fits of it may run side by side.</summary>
    private static string LockFamily(TrainingAlgorithm algorithm) => algorithm switch
    {
        TrainingAlgorithm.FastTree or TrainingAlgorithm.FastForest => "fasttree",
        TrainingAlgorithm.Linear or TrainingAlgorithm.Lda or TrainingAlgorithm.KernelRidge => string.Empty,
        _ => "lightgbm",
    };

    /// <summary>Stratified folds (by class for classification): each row is in exactly one validation part.</summary>
    private (int[] Fit, int[] Valid)[] Folds(int[] rows, int k)
    {
        var labels = plan.LabelPlan.Values;
        var random = new Random(seed + 1);
        var shuffled = (int[])rows.Clone();
        random.Shuffle(shuffled);
        var ordered = plan.Task == ModelTask.Regression
            ? shuffled
            : [.. shuffled.OrderBy(r => labels[r])];
        var assigned = new List<int>[k];
        for (var f = 0; f < k; f++)
        {
            assigned[f] = [];
        }

        for (var i = 0; i < ordered.Length; i++)
        {
            assigned[i % k].Add(ordered[i]);
        }

        return [.. Enumerable.Range(0, k).Select(f =>
        {
            var valid = assigned[f].Order().ToArray();
            var fit = Enumerable.Range(0, k).Where(g => g != f).SelectMany(g => assigned[g]).Order().ToArray();
            return (fit, valid);
        })];
    }

    private Candidate SearchOnSample(int[] trainRows, HyperParameters fixedParameters)
    {
        var watch = Stopwatch.StartNew();
        var budget = TimeSpan.FromSeconds(fixedParameters.TimeBudgetSeconds ?? DefaultBudgetSeconds(trainRows.Length, plan.Layout));
        var task = plan.Task;
        var labels = plan.LabelPlan.Values;
        var (fitRows, validRows) = RowSplit.Split(trainRows, labels, task != ModelTask.Regression, ValidationFraction, seed + 1);
        fitRows = RowSplit.Sample(fitRows, MaxSearchRows, seed + 2);
        validRows = RowSplit.Sample(validRows, MaxValidationRows, seed + 3);
        var fit = ml.Data.Cache(featurizer.Transform(new FrameDataView(plan.Layout, plan.LabelPlan, fitRows)));
        var valid = ml.Data.Cache(featurizer.Transform(new FrameDataView(plan.Layout, plan.LabelPlan, validRows)));

        // Fitting on all training rows costs more than a trial on the sample; the exponent is measured, not derived:
        // learners' per-tree overheads make time grow slower than the row count.
        var growth = Math.Pow((double)trainRows.Length / fitRows.Length, 0.6);
        Candidate? best = null;
        var bestScore = double.NegativeInfinity;
        var refit = TimeSpan.Zero;
        var candidates = Candidates(fitRows.Length, fixedParameters).ToList();
        var tried = new List<(Candidate, double[])>();
        for (var i = 0; i < candidates.Count; i++)
        {
            // The first two candidates (a linear model and boosted trees) always run, so the choice is never by default.
            var left = budget - watch.Elapsed - refit;
            if (i >= MinimumTrials && left <= TimeSpan.Zero)
            {
                break;
            }

            var candidate = candidates[i];
            var started = watch.Elapsed;
            var score = Trial(candidate, fit, fitRows.Length, valid, i < MinimumTrials ? Timeout.InfiniteTimeSpan : left);
            tried.Add((candidate, [score]));
            if (score > bestScore)
            {
                var scaled = Scale(candidate, fitRows.Length, trainRows.Length);
                (best, bestScore) = (candidate, score);
                refit = (watch.Elapsed - started) * growth * Capacity(scaled) / Capacity(candidate);
            }

            progress?.Report(new TrainingProgress("training", Math.Min(0.85, 0.2 + (0.65 * (watch.Elapsed / budget)))));
        }

        Result = Summarize(
            string.Create(CultureInfo.InvariantCulture, $"a holdout: fitted on {fitRows.Length:N0} of the {trainRows.Length:N0} training rows, scored on {validRows.Length:N0} others, within {budget.TotalSeconds:0.#} s"),
            tried, best);
        return Scale(best ?? Candidate.Default(TrainingAlgorithm.LightGbm, trainRows.Length, fixedParameters), fitRows.Length, trainRows.Length)
            .With(fixedParameters);
    }

    /// <summary>
    /// A winner found on a sample gets more leaves for the full training set, in proportion to the square root of
    /// the growth in rows: deeper trees pay off only with the data to fill them.
    /// </summary>
    internal static Candidate Scale(Candidate winner, int searchedRows, int trainRows)
    {
        if (trainRows <= searchedRows * 1.5 || winner.Algorithm == TrainingAlgorithm.Linear)
        {
            return winner;
        }

        var factor = Math.Sqrt((double)trainRows / searchedRows);
        var leaves = (int)Math.Min(Math.Max(winner.Leaves, MaxScaledLeaves), Math.Round(winner.Leaves * factor));
        return winner with { Leaves = Math.Max(winner.Leaves, leaves) };
    }

    internal sealed record FoldData(IDataView Fit, IDataView Valid, int Rows);

    /// <summary>The candidates of a cross-validation and its folds, featurized and cached.</summary>
    internal sealed record CrossValidationFolds(IReadOnlyList<Candidate> Candidates, FoldData[] Data);

    private sealed record FoldFit(int Candidate, int Fold, string Family, double Cost, string Algorithm);

    /// <summary>Relative cost of a fit, for ordering: FastTree's split search is the slowest per tree on small data.</summary>
    private static double Cost(Candidate candidate) => candidate.Algorithm switch
    {
        TrainingAlgorithm.Linear => 1,
        TrainingAlgorithm.Lda => 0.5,
        TrainingAlgorithm.KernelRidge => 2,
        TrainingAlgorithm.LightGbm => candidate.Trees / 20.0,
        TrainingAlgorithm.FastForest => candidate.Trees / 8.0,
        _ => candidate.Trees / 4.0,
    };

    /// <summary>Relative cost of a candidate's trees: linear in their number, logarithmic in their leaves.</summary>
    private static double Capacity(Candidate candidate) =>
        candidate.Algorithm == TrainingAlgorithm.Linear ? 1 : candidate.Trees * Math.Log2(Math.Max(2, candidate.Leaves));

    private double Trial(Candidate candidate, IDataView fit, int rows, IDataView valid, TimeSpan timeLimit, int? learnerThreads = null)
    {
        var context = cancellation.NewContext(seed);
        using var deadline = Deadlines.After(timeLimit, () => MlCancellation.Cancel(context));
        try
        {
            return cancellation.Run(() =>
            {
                var model = Learners.Create(context, plan.Task, candidate, rows, learnerThreads ?? threads, seed, Featurizer.Parts(plan), cancellation.Token).Fit(fit);
                var metrics = ModelMetrics.Evaluate(context, plan.Task, model.Transform(valid));
                return ModelMetrics.Objective(plan.Task, metrics);
            });
        }
        catch (Exception) when (!cancellation.IsCancellationRequested)
        {
            // A trial that ran out of time or could not fit this data (e.g. a class missing from the sample) loses.
            return double.NegativeInfinity;
        }
    }

    /// <summary>
    /// Strong settings of every learner first, so even a short budget compares the families; then random settings.
    /// Parameters the caller fixed override every candidate.
    /// </summary>
    private IEnumerable<Candidate> Candidates(int rows, HyperParameters fixedParameters)
    {
        var minLeaf = Math.Clamp(rows / 500, 1, 20);
        var forestLeaves = Math.Clamp(rows / 64, 16, 512);
        Candidate[] strong =
        [
            new(TrainingAlgorithm.Linear, 100, 0, 0, 0, 1),
            new(TrainingAlgorithm.LightGbm, 100, 63, 0.2, minLeaf, 0),
            new(TrainingAlgorithm.FastTree, 100, 20, 0.2, Math.Clamp(rows / 100, 1, 10), 0),
            new(TrainingAlgorithm.LightGbm, 200, 31, 0.1, minLeaf, 0),
            new(TrainingAlgorithm.FastForest, 100, forestLeaves, 0, 2, 0),
            new(TrainingAlgorithm.LightGbm, 300, 15, 0.05, minLeaf, 0),
            new(TrainingAlgorithm.Linear, 100, 0, 0, 0, 0.1),
            new(TrainingAlgorithm.LightGbm, 150, 127, 0.15, minLeaf, 0),
            new(TrainingAlgorithm.Linear, 100, 0, 0, 0, 0.01),
            new(TrainingAlgorithm.LightGbm, 300, 63, 0.05, Math.Max(1, minLeaf / 4), 1),
        ];
        var seen = new HashSet<Candidate>();
        foreach (var candidate in strong)
        {
            if (seen.Add(candidate.With(fixedParameters)))
            {
                yield return candidate.With(fixedParameters);
            }
        }

        var random = new Random(seed);
        int[] leaves = [7, 15, 31, 63, 127, 255];
        int[] trees = [50, 100, 200, 400];
        double[] rates = [0.03, 0.05, 0.1, 0.2, 0.3];
        int[] minLeaves = [1, 2, 5, 10, 20, 50];
        for (var attempt = 0; attempt < 500; attempt++)
        {
            var pick = random.NextDouble();
            var algorithm = pick < 0.5 ? TrainingAlgorithm.LightGbm
                : pick < 0.75 ? TrainingAlgorithm.FastTree
                : pick < 0.9 ? TrainingAlgorithm.FastForest
                : TrainingAlgorithm.Linear;
            var candidate = algorithm == TrainingAlgorithm.Linear
                ? new Candidate(algorithm, 100, 0, 0, 0, Math.Round(Math.Pow(10, -3 + (3 * random.NextDouble())), 4))
                : new Candidate(
                    algorithm,
                    trees[random.Next(trees.Length)],
                    Math.Min(leaves[random.Next(leaves.Length)], Math.Max(2, rows / 4)),
                    algorithm == TrainingAlgorithm.FastForest ? 0 : rates[random.Next(rates.Length)],
                    Math.Min(minLeaves[random.Next(minLeaves.Length)], Math.Max(1, rows / 20)),
                    0);
            candidate = candidate.With(fixedParameters);
            if (seen.Add(candidate))
            {
                yield return candidate;
            }
        }
    }
}
