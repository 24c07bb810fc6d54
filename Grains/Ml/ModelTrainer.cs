using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace OrleansMl.Ml;

/// <summary>Options of the trainer.</summary>
public sealed record TrainerOptions
{
    /// <summary>
    /// Threads a learner may use; null lets ML.NET use every core. Set it when training shares the cores with other
    /// work (predictions, another training): LightGBM's OpenMP threads wait for each other at every step, so one
    /// descheduled thread stalls the rest. Measured on 2 busy cores, a 200k-row fit took 40–70 s with both cores
    /// and under 4 s with one (2.2 s with both on idle cores).
    /// </summary>
    public int? Threads { get; init; }

    /// <summary>The ranges parameters are read with: the same settings the training request was validated against.</summary>
    public TrainingLimits Limits { get; init; } = TrainingLimits.Default;
}

/// <summary>
/// Trains and evaluates one model on a <see cref="DatasetFrame"/>. CPU-bound and blocking: callers run it off the
/// grain scheduler. Thread-safe (each call uses its own MLContext).
/// </summary>
public sealed class ModelTrainer(TrainerOptions options)
{
    /// <summary>Fewer labelled rows than this cannot be split into a training and a test part that mean anything.</summary>
    public const int MinimumRows = 10;

    /// <summary>
    /// Fewer training rows than this and LightGBM classification may find no split point at all: it splits only between
    /// histogram bins, each of at least 3 rows (its min_data_in_bin, the last taking up to 5), with the rows valued
    /// exactly zero in a bin of their own, and a leaf needs about two rows' weight (ML.NET's minimum child weight of
    /// 0.1). From 7 rows on, distinct values always leave a split point with at least two rows on each side, however they
    /// fall around zero; 8 keeps a row in hand for uneven classes, whose rows weigh less. From 6 rows with a single zero
    /// among them, none is left. Enough rows still grow no tree when no split point has any gain (see <see cref="Train"/>).
    /// (Regression then makes a one-leaf model instead; FastTree and FastForest always build one.)
    /// </summary>
    public const int LightGbmFewestRows = 8;

    public TrainerOptions Options { get; } = options;

    /// <summary>
    /// Splits with <see cref="TrainingSpec.Seed"/>, fits, evaluates on the held-out rows and saves the model. The spec
    /// is one the training request validation accepted for this frame's dataset version. Throws
    /// <see cref="InvalidTrainingRequestException"/> for what only the data tells (a label with one value or too few
    /// labelled rows, a task that does not fit the label's values, a parameter out of range) and
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires, even in the middle of a fit.
    /// </summary>
    public TrainedModel Train(
        DatasetFrame frame,
        TrainingSpec spec,
        IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken,
        IRemoteTrials? remote = null)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(spec);
        cancellationToken.ThrowIfCancellationRequested();
        var (plan, parameters, trainRows, testRows) = Setup(frame, spec);
        var task = plan.Task;

        using var cancellation = new MlCancellation(cancellationToken);
        var ml = cancellation.NewContext(spec.Seed);
        progress?.Report(new TrainingProgress("featurizing", 0.1));
        var watch = Stopwatch.StartNew();
        var trainView = new FrameDataView(plan.Layout, plan.LabelPlan, trainRows);
        var featurizer = cancellation.Run(() => Featurizer.Create(ml, plan).Fit(trainView));
        var trainFeatures = ml.Data.Cache(featurizer.Transform(trainView));

        progress?.Report(new TrainingProgress("training", 0.2));
        var searchWatch = Stopwatch.StartNew();
        var search = spec.Algorithm == TrainingAlgorithm.Auto
            ? new AutoSearch(ml, cancellation, plan, featurizer, Options.Threads, spec.Seed, progress, remote)
            : null;
        var candidate = search?.Run(trainRows, parameters) ?? Candidate.Default(spec.Algorithm, trainRows.Length, parameters);
        var searchMs = search is null ? 0 : searchWatch.Elapsed.TotalMilliseconds;
        // The final fit gets a context of its own, so a learner chosen by the search is fitted exactly as it would be
        // when asked for by name (the search's trials draw on the shared context's random numbers).
        ITransformer learner;
        try
        {
            learner = cancellation.Run(
                () => Learners.Create(cancellation.NewContext(spec.Seed), task, candidate, trainRows.Length, Options.Threads, spec.Seed, Featurizer.Parts(plan), cancellationToken).Fit(trainFeatures));
        }
        catch (ArgumentNullException) when (candidate.Algorithm == TrainingAlgorithm.LightGbm)
        {
            // ML.NET cannot build a LightGBM model of no trees; what the request validation cannot know (rows whose label
            // is missing, ties, zeros) can still leave LightGBM no split.
            throw new InvalidTrainingRequestException(NoTree(spec, candidate, trainRows.Length));
        }

        var model = new TransformerChain<ITransformer>(featurizer, learner);
        var trainingMs = watch.Elapsed.TotalMilliseconds;

        progress?.Report(new TrainingProgress("evaluating", 0.9));
        watch.Restart();
        var testView = new FrameDataView(plan.Layout, plan.LabelPlan, testRows);
        var metrics = testRows.Length == 0
            ? ImmutableDictionary<string, double>.Empty
            : cancellation.Run(() => ModelMetrics.Evaluate(ml, task, model.Transform(testView)));
        var evaluationMs = watch.Elapsed.TotalMilliseconds;

        progress?.Report(new TrainingProgress("saving", 0.95));
        cancellation.ThrowIfCancellationRequested();
        using var zip = new MemoryStream();
        ml.Model.Save(model, plan.Layout.InputSchema, zip);
        return new TrainedModel(
            zip.ToArray(),
            plan.Signature,
            candidate.Describe(task),
            metrics,
            trainingMs,
            evaluationMs,
            trainRows.Length,
            testRows.Length)
        {
            SearchMs = searchMs,
            RemoteTrials = search?.RemoteFits ?? 0,
            Search = search?.Result,
        };
    }

    /// <summary>Why a LightGBM fit grew no tree, and what to change.</summary>
    private static string NoTree(TrainingSpec spec, Candidate candidate, int trainRows) => string.Create(CultureInfo.InvariantCulture,
        $"LightGBM grew no tree from the {trainRows} training rows: no split of them leaves at least {candidate.MinLeaf} row{(candidate.MinLeaf == 1 ? string.Empty : "s")} "
        + $"(minLeaf {candidate.MinLeaf}) and a bin of at least 3 rows on each side with any gain, so there is no model to save. "
        + $"Train on more rows ({(spec.TestFraction > 0 ? $"testFraction {spec.TestFraction} holds some out; lower it, or " : string.Empty)}upload more)"
        + $"{(candidate.MinLeaf > 1 ? ", give a smaller minLeaf" : string.Empty)}, or use algorithm fasttree or linear.");

    /// <summary>
    /// The cross-validation fits of an <c>auto</c> search of <paramref name="spec"/> on <paramref name="frame"/>, ready to
    /// be scored one at a time: the same split, featurizer, folds and candidates as the silo running the training builds,
    /// so each fit scores exactly as it would there. Null when the search would not cross-validate (the data is large).
    /// </summary>
    public SearchTrials? PrepareTrials(DatasetFrame frame, TrainingSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(spec);
        var (plan, parameters, trainRows, _) = Setup(frame, spec);
        if (spec.Algorithm != TrainingAlgorithm.Auto || trainRows.Length >= AutoSearch.CrossValidationRows)
        {
            return null;
        }

        using var cancellation = new MlCancellation(cancellationToken);
        var ml = cancellation.NewContext(spec.Seed);
        var trainView = new FrameDataView(plan.Layout, plan.LabelPlan, trainRows);
        var featurizer = cancellation.Run(() => Featurizer.Create(ml, plan).Fit(trainView));
        var folds = new AutoSearch(ml, cancellation, plan, featurizer, 1, spec.Seed, null).PrepareCrossValidation(trainRows, parameters);
        return new SearchTrials(ml, plan, featurizer, folds, spec.Seed);
    }

    /// <summary>What every run of a spec on a frame starts from: the plan, the parameters and the seeded split.</summary>
    private (TrainingPlan Plan, HyperParameters Parameters, int[] TrainRows, int[] TestRows) Setup(DatasetFrame frame, TrainingSpec spec)
    {
        var parameters = HyperParameters.Parse(spec.Parameters, Options.Limits);
        var plan = TrainingPlan.Create(frame, spec);
        if (parameters.L1WithoutL2ForLinearRegression(spec.Algorithm) && plan.Task == ModelTask.Regression)
        {
            // The validator catches this when the label's summary tells the task; auto on a few fractional values is told here.
            throw new InvalidTrainingRequestException(HyperParameters.L1NeedsL2ForLinearRegression(spec.Algorithm));
        }

        var labels = plan.LabelPlan.Values;
        var labelled = Enumerable.Range(0, frame.RowCount).Where(r => !float.IsNaN(labels[r])).ToArray();
        if (labelled.Length < MinimumRows)
        {
            throw new InvalidTrainingRequestException(
                $"Only {labelled.Length} rows have a value in the label column '{plan.Label.Name}'; training needs at least {MinimumRows}.");
        }

        var (trainRows, testRows) = RowSplit.Split(labelled, labels, plan.Task != ModelTask.Regression, spec.TestFraction, spec.Seed);
        return (plan, parameters, trainRows, testRows);
    }
}

/// <summary>
/// The cross-validation of one <c>auto</c> search prepared on this silo (<see cref="ModelTrainer.PrepareTrials"/>): the
/// folds' features are built once and each <see cref="Score"/> fits one candidate on one fold.
/// </summary>
public sealed class SearchTrials
{
    private readonly MLContext _ml;
    private readonly TrainingPlan _plan;
    private readonly ITransformer _featurizer;
    private readonly AutoSearch.CrossValidationFolds _folds;
    private readonly int _seed;

    internal SearchTrials(MLContext ml, TrainingPlan plan, ITransformer featurizer, AutoSearch.CrossValidationFolds folds, int seed)
    {
        (_ml, _plan, _featurizer, _folds, _seed) = (ml, plan, featurizer, folds, seed);
    }

    public int Candidates => _folds.Candidates.Count;

    public int Folds => _folds.Data.Length;

    /// <summary>Candidate <paramref name="candidate"/> as versions name it.</summary>
    public string Describe(int candidate) => _folds.Candidates[candidate].Describe(_plan.Task);

    /// <summary>Candidate <paramref name="candidate"/>'s score on fold <paramref name="fold"/> (blocking, one thread).</summary>
    public double Score(int candidate, int fold, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(candidate);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(candidate, Candidates);
        ArgumentOutOfRangeException.ThrowIfNegative(fold);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(fold, Folds);
        using var cancellation = new MlCancellation(cancellationToken);
        return new AutoSearch(_ml, cancellation, _plan, _featurizer, 1, _seed, null).ScoreFold(_folds, candidate, fold);
    }
}
