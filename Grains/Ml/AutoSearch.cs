using System.Diagnostics;
using Microsoft.ML;

namespace OrleansMl.Ml;

/// <summary>
/// The time-boxed search behind <see cref="TrainingAlgorithm.Auto"/>; the caller refits the winner on all training rows.
/// <para>
/// Under <see cref="CrossValidationRows"/> rows every candidate is scored by stratified k-fold cross-validation on the
/// training rows (one small holdout is too noisy to choose by). The candidates are mostly each learner at its defaults
/// (so the search picks among the models a user could have asked for, by the estimate that varies least), plus a
/// stronger-regularized linear model and smaller boosted trees; the best mean over the folds wins. Fits run side by
/// side when the trainer may use several threads.
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
    IProgress<TrainingProgress>? progress)
{
    /// <summary>The most trees any candidate of the search has (the random ones draw up to 400).</summary>
    public const int LargestTrees = 400;

    /// <summary>The most leaves any candidate of the search has (the forest's, on large data).</summary>
    public const int LargestLeaves = 512;

    /// <summary>Below this many training rows the search cross-validates.</summary>
    public const int CrossValidationRows = 10_000;

    // Small data: the whole training, search and refit included, should take well under a second.
    private const double SmallDataBudgetSeconds = 0.25;
    private const double ValidationFraction = 0.2;
    private const int MaxSearchRows = 20_000;
    private const int MaxValidationRows = 10_000;
    private const int MaxScaledLeaves = 255;
    private const int MinimumTrials = 2;

    // Cross-validation always scores boosted trees, the forest and the linear learner at two strengths: between them
    // they were the best learners on most seeded splits of scikit-learn's small public datasets.
    private const int CrossValidatedTrials = 4;

    // Three folds: five cost two thirds more fits and matched the best learner no more often (16 times in 24 against 17
    // on six seeded splits of each public dataset).
    private const int FoldCount = 3;

    /// <summary>The training budget (search and refit) when the caller sets none: more for more data.</summary>
    public static double DefaultBudgetSeconds(int rows, FeatureLayout layout)
    {
        if (rows < CrossValidationRows)
        {
            return SmallDataBudgetSeconds;
        }

        var width = Math.Max(1, layout.Numeric.Length + (8 * layout.Text.Length));
        return Math.Clamp(1.5 + (rows * (double)width / 2e6), 1.5, 30);
    }

    public Candidate Run(int[] trainRows, HyperParameters fixedParameters) =>
        trainRows.Length < CrossValidationRows ? CrossValidate(trainRows, fixedParameters) : SearchOnSample(trainRows, fixedParameters);

    /// <summary>
    /// Scores candidates by cross-validation until the budget runs out; the first <see cref="CrossValidatedTrials"/>
    /// always run.
    /// </summary>
    private Candidate CrossValidate(int[] trainRows, HyperParameters fixedParameters)
    {
        var watch = Stopwatch.StartNew();
        var budget = TimeSpan.FromSeconds(fixedParameters.TimeBudgetSeconds ?? DefaultBudgetSeconds(trainRows.Length, plan.Layout));
        var folds = Folds(trainRows, FoldCount);
        var data = folds
            .Select(f => (
                Fit: ml.Data.Cache(featurizer.Transform(new FrameDataView(plan.Layout, plan.LabelPlan, f.Fit))),
                Valid: ml.Data.Cache(featurizer.Transform(new FrameDataView(plan.Layout, plan.LabelPlan, f.Valid))),
                Rows: f.Fit.Length))
            .ToArray();
        var minLeaf = Math.Clamp(trainRows.Length / 50, 2, 20);
        List<Candidate> candidates =
        [
            Candidate.Default(TrainingAlgorithm.LightGbm, trainRows.Length, fixedParameters),
            Candidate.Default(TrainingAlgorithm.Linear, trainRows.Length, fixedParameters),
            Candidate.Default(TrainingAlgorithm.FastForest, trainRows.Length, fixedParameters),
            new Candidate(TrainingAlgorithm.Linear, 100, 0, 0, 0, 1).With(fixedParameters),
            new Candidate(TrainingAlgorithm.LightGbm, 300, 7, 0.05, minLeaf, 1).With(fixedParameters),
            Candidate.Default(TrainingAlgorithm.FastTree, trainRows.Length, fixedParameters),
            new Candidate(TrainingAlgorithm.LightGbm, 150, 15, 0.05, minLeaf, 0).With(fixedParameters),
        ];
        candidates = [.. candidates.Distinct()];
        var scores = new double[candidates.Count][];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads ?? Environment.ProcessorCount) };

        // The first candidates' folds form one pool of fits, fold by fold, so several threads overlap a LightGBM fit
        // (LightGBM runs one fit per process at a time) with the linear ones; the rest run while the budget lasts.
        var first = Math.Min(CrossValidatedTrials, candidates.Count);
        for (var i = 0; i < first; i++)
        {
            scores[i] = new double[data.Length];
        }

        RunFits(parallel, data.Length * first, item =>
        {
            var (f, i) = Math.DivRem(item, first);
            scores[i][f] = Trial(candidates[i], data[f].Fit, data[f].Rows, data[f].Valid, Timeout.InfiniteTimeSpan, learnerThreads: 1);
        });
        progress?.Report(new TrainingProgress("training", Math.Min(0.85, 0.2 + (0.65 * (watch.Elapsed / budget)))));
        for (var i = first; i < candidates.Count && watch.Elapsed < budget; i++)
        {
            var candidate = candidates[i];
            var limit = budget - watch.Elapsed;
            var own = scores[i] = new double[data.Length];
            RunFits(parallel, data.Length, f => own[f] = Trial(candidate, data[f].Fit, data[f].Rows, data[f].Valid, limit, learnerThreads: 1));
            progress?.Report(new TrainingProgress("training", Math.Min(0.85, 0.2 + (0.65 * (watch.Elapsed / budget)))));
        }

        // The best mean over the folds wins. (Preferring the first candidate within one standard error of it, to favour
        // plain defaults, did worse: on six seeded splits of each public dataset it matched the best learner on the test
        // rows 15 times in 24 against 17 for the plain maximum.)
        var best = candidates[Enumerable.Range(0, candidates.Count).Where(i => scores[i] is not null).MaxBy(i => scores[i].Average())];
        return best.With(fixedParameters);
    }

    private void RunFits(ParallelOptions parallel, int count, Action<int> fit)
    {
        try
        {
            Parallel.For(0, count, parallel, fit);
        }
        catch (AggregateException) when (cancellation.IsCancellationRequested)
        {
            cancellation.ThrowIfCancellationRequested();
        }
    }

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
            if (score > bestScore)
            {
                var scaled = Scale(candidate, fitRows.Length, trainRows.Length);
                (best, bestScore) = (candidate, score);
                refit = (watch.Elapsed - started) * growth * Capacity(scaled) / Capacity(candidate);
            }

            progress?.Report(new TrainingProgress("training", Math.Min(0.85, 0.2 + (0.65 * (watch.Elapsed / budget)))));
        }

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

    /// <summary>Relative cost of a candidate's trees: linear in their number, logarithmic in their leaves.</summary>
    private static double Capacity(Candidate candidate) =>
        candidate.Algorithm == TrainingAlgorithm.Linear ? 1 : candidate.Trees * Math.Log2(Math.Max(2, candidate.Leaves));

    private double Trial(Candidate candidate, IDataView fit, int rows, IDataView valid, TimeSpan timeLimit, int? learnerThreads = null)
    {
        var context = cancellation.NewContext(seed);
        using var deadline = new Timer(_ => MlCancellation.Cancel(context), null, timeLimit, Timeout.InfiniteTimeSpan);
        try
        {
            return cancellation.Run(() =>
            {
                var model = Learners.Create(context, plan.Task, candidate, rows, learnerThreads ?? threads, seed).Fit(fit);
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
            new(TrainingAlgorithm.Linear, 100, 0, 0, 0, 0.1),
            new(TrainingAlgorithm.LightGbm, 100, 63, 0.2, minLeaf, 0),
            new(TrainingAlgorithm.FastTree, 100, 20, 0.2, Math.Clamp(rows / 100, 1, 10), 0),
            new(TrainingAlgorithm.LightGbm, 200, 31, 0.1, minLeaf, 0),
            new(TrainingAlgorithm.FastForest, 100, forestLeaves, 0, 2, 0),
            new(TrainingAlgorithm.LightGbm, 300, 15, 0.05, minLeaf, 0),
            new(TrainingAlgorithm.Linear, 100, 0, 0, 0, 1),
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
