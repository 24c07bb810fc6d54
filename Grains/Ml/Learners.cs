using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using Microsoft.ML.Transforms;

namespace OrleansMl.Ml;

/// <summary>
/// Builds the estimator that turns the <c>Features</c> vector into predictions for a task and a candidate.
/// Trees take missing values as they are; the linear learners get mean imputation and standardization first
/// (min-max scaling squeezed features with outliers: breast cancer's held-out AUC rose from 0.986 to 0.998).
/// Linear regression is SDCA on squared loss with one thread: L-BFGS Poisson regression only suits non-negative
/// counts, online gradient descent converges loosely, and SDCA's slowness comes from its multi-threaded mode. SDCA
/// reads the scaled rows from a cache: read through the scaling transforms, each of its passes (one per iteration, one
/// more per convergence check) split the rows over background threads and joined them again, which made a fit on 236
/// rows take 36-100 ms instead of 3-16 (profiled).
/// <para>
/// FastTree and FastForest force three full blocking garbage collections at the start of every fit (a memory report
/// for their log): on a silo holding cached datasets and loaded models each one pauses serving, and a cross-validated
/// search of a three-class problem fits dozens of them. Their trainers are created with that switched off.
/// </para>
/// <para>
/// FastTree and FastForest search their splits through a task manager that is one per process, whose thread count the
/// first FastTree-family fit sets for good. With one thread it runs each feature's part of a split search as a task of
/// its own and waits for it (a hand-off and a spin per feature per split: two thirds of a small fit's CPU was spent
/// waiting, profiled), and every later fit gets no parallelism at all; the count a process ends up with depended on
/// which fit came first. It is set here, before any fit, to the machine's cores (at least two).
/// </para>
/// <para>
/// LightGBM fits under <see cref="SingleThreadRows"/> rows run on one thread whatever the caller allows: on a few
/// hundred rows its threads spend a fit synchronizing (LightGBM at its defaults on 353 rows of diabetes took 0.62 s with
/// two threads, 0.15 s with one; the refit of an <c>auto</c> winner on iris 150-230 ms against 60-90 ms), while at
/// 20,000 rows one and two threads take the same time and above it two win. L-BFGS (the linear classifiers) does the
/// same below that size, for the same reason (see <see cref="LbfgsThreads"/>).
/// </para>
/// </summary>
internal static class Learners
{
    private const string Features = FeatureLayout.Features;

    private const string Label = FeatureLayout.Label;

    /// <summary>
    /// The L1 penalty of the linear classifiers (L-BFGS, weighed against the summed loss like their L2 term) when the
    /// caller sets no <c>l1</c>: ML.NET's default, set here so the version's description names it. Without it the linear
    /// model at its defaults did worse on small data: on 20 seeded splits of breast cancer its mean test AUC fell from
    /// 0.9961 to 0.9874 (<c>--auto --seeds 20</c> of <c>tests/Benchmarks</c>).
    /// </summary>
    public const float LinearClassifierL1 = 1;

    /// <summary>Below this many training rows LightGBM and L-BFGS fit on one thread (see the class remarks).</summary>
    public const int SingleThreadRows = 10_000;

    // The FastTree trainers' "collect garbage before training" flag, a protected field of their common generic base
    // class: one field per closed trainer type. Absent (null) in an ML.NET that no longer has it.
    private static readonly ConcurrentDictionary<Type, FieldInfo?> CollectsGarbage = new();

    // FastTree's process-wide task manager (see the class remarks); null in an ML.NET that no longer has it.
    private static readonly Type? FastTreeTasks = typeof(FastTreeBinaryTrainer).Assembly.GetType("Microsoft.ML.Trainers.FastTree.ThreadTaskManager");

    static Learners()
    {
        // Math.NET's products and decompositions split large matrices over every core; its fits (discriminant analysis,
        // least squares, kernel ridge) run on one thread, as auto's fold fits run side by side on the training's threads.
        // Math.NET serves nothing else in the process.
        MathNet.Numerics.Control.UseSingleThread();

        // Before LightGBM's native library loads (with the first fit), so its OpenMP calls bind to the chosen runtime.
        _ = OpenMpRuntime.Active;
        FastTreeTasks?.GetMethod("Initialize", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic, [typeof(int)])
            ?.Invoke(null, [Math.Max(2, Environment.ProcessorCount)]);
    }

    /// <summary>The thread count FastTree's split search runs with in this process, if it can be read (for tests).</summary>
    internal static int? FastTreeThreads =>
        FastTreeTasks?.GetProperty("NumThreads", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)?.GetValue(null) as int?;

    /// <summary>
    /// The learner for a candidate, reading <c>Features</c>; <paramref name="parts"/> are the columns it was concatenated
    /// from (<see cref="Featurizer.Parts"/>), none when it holds numbers only.
    /// </summary>
    public static IEstimator<ITransformer> Create(
        MLContext ml, ModelTask task, Candidate candidate, int rows, int? threads, int seed, IReadOnlyList<string> parts, CancellationToken cancellationToken = default) =>
        (task, candidate.Algorithm) switch
        {
            (not (ModelTask.Binary or ModelTask.Multiclass), TrainingAlgorithm.Lda) => throw new InvalidTrainingRequestException(
                "Algorithm lda is for a label of classes, not a regression target: choose linear for this one."),
            (ModelTask.Binary or ModelTask.Multiclass, TrainingAlgorithm.KernelRidge) => throw new InvalidTrainingRequestException(
                "Algorithm kernelridge is for a regression target, not a label of classes: choose lda or linear for this one."),
            (ModelTask.Binary, TrainingAlgorithm.Lda) => LbfgsInput(ml, rows, parts).Append(new DiscriminantAnalysis(ml, cancellationToken)),
            (ModelTask.Binary, TrainingAlgorithm.FastTree) => WithoutForcedCollections(ml.BinaryClassification.Trainers.FastTree(FastTree<FastTreeBinaryTrainer.Options>(candidate, threads, seed))),
            (ModelTask.Binary, TrainingAlgorithm.FastForest) => WithoutForcedCollections(ml.BinaryClassification.Trainers.FastForest(Forest<FastForestBinaryTrainer.Options>(candidate, threads, seed)))
                .Append(ml.BinaryClassification.Calibrators.Platt(Label)),
            (ModelTask.Binary, TrainingAlgorithm.Linear) => LbfgsInput(ml, rows, parts).Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression(
                new LbfgsLogisticRegressionBinaryTrainer.Options
                {
                    LabelColumnName = Label,
                    FeatureColumnName = Features,
                    L1Regularization = (float)candidate.L1For(ModelTask.Binary),
                    L2Regularization = (float)candidate.L2,
                    MaximumNumberOfIterations = candidate.Trees,
                    NumberOfThreads = LbfgsThreads(rows, threads),
                })),
            (ModelTask.Binary, _) => ml.BinaryClassification.Trainers.LightGbm(LightGbmBinary(candidate, LightGbmThreads(rows, threads), seed)),

            (ModelTask.Multiclass, TrainingAlgorithm.FastTree) => ml.MulticlassClassification.Trainers.OneVersusAll(
                WithoutForcedCollections(ml.BinaryClassification.Trainers.FastTree(FastTree<FastTreeBinaryTrainer.Options>(candidate, threads, seed))), Label),
            (ModelTask.Multiclass, TrainingAlgorithm.FastForest) => ml.MulticlassClassification.Trainers.OneVersusAll(
                WithoutForcedCollections(ml.BinaryClassification.Trainers.FastForest(Forest<FastForestBinaryTrainer.Options>(candidate, threads, seed))), Label),
            (ModelTask.Multiclass, TrainingAlgorithm.Linear) => LbfgsInput(ml, rows, parts).Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(
                new LbfgsMaximumEntropyMulticlassTrainer.Options
                {
                    LabelColumnName = Label,
                    FeatureColumnName = Features,
                    L1Regularization = (float)candidate.L1For(ModelTask.Multiclass),
                    L2Regularization = (float)candidate.L2,
                    MaximumNumberOfIterations = candidate.Trees,
                    NumberOfThreads = LbfgsThreads(rows, threads),
                })),
            (ModelTask.Multiclass, TrainingAlgorithm.Lda) => LbfgsInput(ml, rows, parts).Append(new DiscriminantAnalysis(ml, cancellationToken)),
            (ModelTask.Multiclass, _) => ml.MulticlassClassification.Trainers.LightGbm(LightGbmMulticlass(candidate, LightGbmThreads(rows, threads), seed)),

            (_, TrainingAlgorithm.FastTree) => WithoutForcedCollections(ml.Regression.Trainers.FastTree(FastTree<FastTreeRegressionTrainer.Options>(candidate, threads, seed))),
            (_, TrainingAlgorithm.FastForest) => WithoutForcedCollections(ml.Regression.Trainers.FastForest(Forest<FastForestRegressionTrainer.Options>(candidate, threads, seed))),
            (_, TrainingAlgorithm.KernelRidge) => Linear(ml, parts).AppendCacheCheckpoint(ml).Append(new KernelRidge(ml, seed, cancellationToken)),
            (_, TrainingAlgorithm.Linear) => new CentredRegression(ml, Linear(ml, parts).AppendCacheCheckpoint(ml).Append(new LeastSquares(
                ml, candidate.L2, candidate.L1For(ModelTask.Regression), SdcaRegression(ml, candidate, rows), cancellationToken))),
            (_, _) => ml.Regression.Trainers.LightGbm(LightGbmRegression(candidate, LightGbmThreads(rows, threads), seed)),
        };

    /// <summary>The linear regression of data wider than <see cref="LeastSquares.MaxFeatures"/> encoded features.</summary>
    private static SdcaRegressionTrainer SdcaRegression(MLContext ml, Candidate candidate, int rows) => ml.Regression.Trainers.Sdca(
        new SdcaRegressionTrainer.Options
        {
            LabelColumnName = Label,
            FeatureColumnName = Features,
            // SDCA weighs its L2 term against the mean loss, L-BFGS against the summed loss: same strength per row.
            L2Regularization = (float)(candidate.L2 / Math.Max(1, rows)),
            // The bias as one more regularized weight, updated exactly as the others. Regression's default (1)
            // steps an unregularized bias by a rate proportional to the L2 term, which diverged at the default
            // L2 on data of one or two columns ("non-finite weights", or an r2 of -1e9 on y = 3x + noise). The
            // labels are centred (CentredRegression), so the penalties shrink predictions towards the mean.
            BiasLearningRate = 0,
            // SDCA's L1 term is a threshold relative to its L2 term (L1 weight = threshold x L2 weight), so the
            // caller's l1 over l2 (an l1 with an l2 under HyperParameters.MinL2WithL1ForLinearRegression is refused).
            // Set explicitly: left unset, ML.NET picks one from the feature count, which no description would tell.
            L1Regularization = SdcaL1Threshold(candidate),
            MaximumNumberOfIterations = candidate.Trees,
            NumberOfThreads = 1,
        });

    /// <summary>SDCA's L1 threshold for a candidate: its L1 weight over its L2 weight, both against the summed loss.</summary>
    internal static float SdcaL1Threshold(Candidate candidate) =>
        candidate.L1For(ModelTask.Regression) is var l1 and > 0 && candidate.L2 > 0 ? (float)(l1 / candidate.L2) : 0;

    private static int? LightGbmThreads(int rows, int? threads) => rows < SingleThreadRows ? 1 : threads;

    /// <summary>
    /// L-BFGS holds the rows in memory only when it has two threads or more, and then splits every evaluation of its
    /// loss over them (a parallel loop per evaluation, a few hundred per fit); with one it re-reads the rows through
    /// ML.NET's cursors on every evaluation. Under <see cref="SingleThreadRows"/> rows it gets one thread and reads the
    /// scaled rows from a cache (see <see cref="LbfgsInput"/>): on 304 rows of breast cancer a fit took 33-75 ms with two
    /// threads, 70% of it in the parallel loop's hand-offs, and 13 ms this way (profiled). Above, two threads at least.
    /// </summary>
    private static int LbfgsThreads(int rows, int? threads) =>
        rows < SingleThreadRows ? 1 : Math.Max(2, threads ?? Environment.ProcessorCount);

    /// <summary>The scaling transforms before L-BFGS, cached when it runs on one thread (see <see cref="LbfgsThreads"/>).</summary>
    private static EstimatorChain<NormalizingTransformer> LbfgsInput(MLContext ml, int rows, IReadOnlyList<string> parts) =>
        rows < SingleThreadRows ? Linear(ml, parts).AppendCacheCheckpoint(ml) : Linear(ml, parts);

    /// <summary>Switches off the forced full collections of a FastTree or FastForest trainer (see the class remarks).</summary>
    internal static TTrainer WithoutForcedCollections<TTrainer>(TTrainer trainer)
        where TTrainer : class
    {
        CollectsGarbage.GetOrAdd(trainer.GetType(), FindCollectsGarbage)?.SetValue(trainer, false);
        return trainer;
    }

    /// <summary>Whether a FastTree or FastForest trainer will force collections when it fits (for tests).</summary>
    internal static bool ForcesCollections(object trainer) =>
        CollectsGarbage.GetOrAdd(trainer.GetType(), FindCollectsGarbage)?.GetValue(trainer) is true;

    private static FieldInfo? FindCollectsGarbage(Type type)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(FastTreeTrainerBase<,,>))
            {
                return t.GetField("AllowGC", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic) is { FieldType: var f } field && f == typeof(bool)
                    ? field
                    : null;
            }
        }

        return null;
    }

    /// <summary>
    /// What a linear learner reads: missing numbers replaced by their column's mean, then every number standardized
    /// (centred, unit variance). ML.NET's mean-variance scaling keeps zero where it is unless told otherwise, and then
    /// divides by the root mean square rather than the standard deviation: a feature whose mean is large beside its
    /// spread was shrunk and so penalized more (iris's sepal length seven times more than the standard deviation
    /// would). Standardized, the linear learner at its defaults matched or beat the best learner at its defaults on
    /// 49 of 80 seeded splits of the public datasets instead of 37 (<c>--auto --seeds 20</c> of <c>tests/Benchmarks</c>),
    /// and its mean accuracy on wine rose from 0.950 to 0.988. The encoded categorical and text parts (<paramref
    /// name="parts"/> after the numbers) are scaled but not centred: centring them would make every row dense.
    /// </summary>
    private static EstimatorChain<NormalizingTransformer> Linear(MLContext ml, IReadOnlyList<string> parts)
    {
        if (parts.All(p => p == FeatureLayout.NumericVector))
        {
            // Features holds numbers only (or is given as such, with no parts).
            return Standardized(ml, Features);
        }

        IEstimator<ITransformer> input = new EstimatorChain<ITransformer>();
        if (parts.Contains(FeatureLayout.NumericVector))
        {
            input = input.Append(Standardized(ml, FeatureLayout.NumericVector)).Append(ml.Transforms.Concatenate(Features, [.. parts]));
        }

        // Standardized numbers have a mean of zero and a variance of one: this scales them by one and the rest to unit
        // root mean square, keeping their zeros.
        return input.Append(ml.Transforms.NormalizeMeanVariance(Features));
    }

    private static EstimatorChain<NormalizingTransformer> Standardized(MLContext ml, string column) =>
        ml.Transforms.ReplaceMissingValues(column, replacementMode: MissingValueReplacingEstimator.ReplacementMode.Mean)
            .Append(ml.Transforms.NormalizeMeanVariance(column, fixZero: false));

    private static TOptions FastTree<TOptions>(Candidate candidate, int? threads, int seed)
        where TOptions : BoostedTreeOptions, new() => new()
        {
            LabelColumnName = Label,
            FeatureColumnName = Features,
            NumberOfTrees = candidate.Trees,
            NumberOfLeaves = candidate.Leaves,
            LearningRate = candidate.LearningRate,
            MinimumExampleCountPerLeaf = candidate.MinLeaf,
            NumberOfThreads = threads,
            Seed = seed,
        };

    private static TOptions Forest<TOptions>(Candidate candidate, int? threads, int seed)
        where TOptions : FastForestOptionsBase, new() => new()
        {
            LabelColumnName = Label,
            FeatureColumnName = Features,
            NumberOfTrees = candidate.Trees,
            NumberOfLeaves = candidate.Leaves,
            MinimumExampleCountPerLeaf = candidate.MinLeaf,
            NumberOfThreads = threads,
            Seed = seed,
        };

    private static GradientBooster.Options Booster(Candidate candidate, ModelTask task) => new()
    {
        L1Regularization = candidate.L1For(task),
        L2Regularization = candidate.L2,
    };

    // The three LightGBM option types share their fields through a generic base that cannot be named here.
    private static LightGbmBinaryTrainer.Options LightGbmBinary(Candidate candidate, int? threads, int seed) => new()
    {
        LabelColumnName = Label,
        FeatureColumnName = Features,
        NumberOfIterations = candidate.Trees,
        NumberOfLeaves = candidate.Leaves,
        LearningRate = candidate.LearningRate,
        MinimumExampleCountPerLeaf = candidate.MinLeaf,
        Booster = Booster(candidate, ModelTask.Binary),
        NumberOfThreads = threads,
        Seed = seed,
        Silent = true,
    };

    private static LightGbmMulticlassTrainer.Options LightGbmMulticlass(Candidate candidate, int? threads, int seed) => new()
    {
        LabelColumnName = Label,
        FeatureColumnName = Features,
        NumberOfIterations = candidate.Trees,
        NumberOfLeaves = candidate.Leaves,
        LearningRate = candidate.LearningRate,
        MinimumExampleCountPerLeaf = candidate.MinLeaf,
        Booster = Booster(candidate, ModelTask.Multiclass),
        NumberOfThreads = threads,
        Seed = seed,
        Silent = true,
    };

    private static LightGbmRegressionTrainer.Options LightGbmRegression(Candidate candidate, int? threads, int seed) => new()
    {
        LabelColumnName = Label,
        FeatureColumnName = Features,
        NumberOfIterations = candidate.Trees,
        NumberOfLeaves = candidate.Leaves,
        LearningRate = candidate.LearningRate,
        MinimumExampleCountPerLeaf = candidate.MinLeaf,
        Booster = Booster(candidate, ModelTask.Regression),
        NumberOfThreads = threads,
        Seed = seed,
        Silent = true,
    };
}
