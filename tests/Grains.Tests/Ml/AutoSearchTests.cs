using System.Collections.Immutable;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using OrleansMl.Ml;
using Xunit.Abstractions;

namespace OrleansMl.Tests.Ml;

public class AutoSearchTests(ITestOutputHelper output)
{
    // One learner thread: results then depend on the data and the seed only.
    private static readonly ModelTrainer Trainer = new(new TrainerOptions { Threads = 1 });

    private static readonly TrainingAlgorithm[] Learners =
        [TrainingAlgorithm.FastTree, TrainingAlgorithm.LightGbm, TrainingAlgorithm.FastForest, TrainingAlgorithm.Linear, TrainingAlgorithm.Lda, TrainingAlgorithm.KernelRidge];

    /// <summary>The learners that fit a public dataset: discriminant analysis only the ones of classes, kernel ridge the regression.</summary>
    private static IEnumerable<TrainingAlgorithm> LearnersFor(string dataset) =>
        Learners.Where(a => dataset == "diabetes" ? a != TrainingAlgorithm.Lda : a != TrainingAlgorithm.KernelRidge);

    /// <summary>
    /// On one split of a small dataset the best of four learners on a few dozen test rows is partly luck, so auto, which
    /// chooses by cross-validation on the training rows, must do at least as well as the average learner at its
    /// defaults and come within the test rows' resolution of the best one: one row of accuracy, 0.002 of AUC, 2% of RMSE.
    /// </summary>
    [Theory]
    [InlineData("breast_cancer", "auc")]
    [InlineData("iris", "microAccuracy")]
    [InlineData("wine", "microAccuracy")]
    [InlineData("diabetes", "rmse")]
    public void Auto_DoesAsWellAsTheAverageLearner_AndNearlyAsWellAsTheBest_OnPublicDatasets(string dataset, string metric)
    {
        var frame = MlTestData.Public(dataset);
        var testRows = 0;
        double Score(TrainingAlgorithm algorithm)
        {
            var model = Train(frame, algorithm);
            output.WriteLine($"{algorithm}: {metric} {model.Metrics[metric]:F4} ({model.Algorithm})");
            testRows = model.TestRows;
            return metric == "rmse" ? -model.Metrics[metric] : model.Metrics[metric];
        }

        var auto = Score(TrainingAlgorithm.Auto);
        var singles = LearnersFor(dataset).Select(Score).ToList();
        var resolution = metric switch
        {
            "auc" => 0.002,
            "rmse" => 0.02 * Math.Abs(singles.Max()),
            _ => 1.0 / testRows,
        };

        Assert.True(auto >= singles.Average() - 1e-12, $"auto {Math.Abs(auto):F4} vs the average learner {Math.Abs(singles.Average()):F4}");
        Assert.True(auto >= singles.Max() - resolution, $"auto {Math.Abs(auto):F4} vs the best learner {Math.Abs(singles.Max()):F4}");
    }

    /// <summary>
    /// The learners the search compares at their defaults are fitted for the final model exactly as when asked for by
    /// name, so whichever of them cross-validation picks, auto's model is that learner's model: same description, same
    /// test metrics to the last digit. A search that scored defaults on other settings, or refitted them differently,
    /// would pick a model no single learner matches.
    /// </summary>
    [Theory]
    [InlineData("breast_cancer")]
    [InlineData("iris")]
    [InlineData("wine")]
    [InlineData("diabetes")]
    public void Auto_ThatChoosesALearnerAtItsDefaults_ReturnsExactlyThatLearnersModel(string dataset)
    {
        var frame = MlTestData.Public(dataset);
        var auto = Train(frame, TrainingAlgorithm.Auto);
        var rows = auto.TrainRows;
        var match = LearnersFor(dataset).FirstOrDefault(a => Candidate.Default(a, rows, HyperParameters.None).Describe(auto.Signature.Task) == auto.Algorithm);
        output.WriteLine($"auto chose {auto.Algorithm}");
        if (match == TrainingAlgorithm.Auto)
        {
            // A variant won the cross-validation: it must have beaten every default there, which the next test checks.
            Assert.Contains(AutoSearch.CrossValidationCandidates(rows, HyperParameters.None, auto.Signature.Task == ModelTask.Multiclass), c => c.Describe(auto.Signature.Task) == auto.Algorithm);
            return;
        }

        var single = Train(frame, match);
        Assert.Equal(single.Algorithm, auto.Algorithm);
        Assert.Equal(single.Metrics, auto.Metrics);
    }

    /// <summary>
    /// The cross-validated list holds the learners at their defaults for the training set's size (as a request naming
    /// them gets), with the parameters a caller fixed applied to every candidate.
    /// </summary>
    [Fact]
    public void CrossValidationCandidates_AreTheLearnersAtTheirDefaults_WithFixedParametersApplied()
    {
        var candidates = AutoSearch.CrossValidationCandidates(455, HyperParameters.None);
        foreach (var algorithm in new[] { TrainingAlgorithm.LightGbm, TrainingAlgorithm.FastForest, TrainingAlgorithm.Linear })
        {
            Assert.Contains(Candidate.Default(algorithm, 455, HyperParameters.None), candidates);
        }

        Assert.Equal(candidates.Count, candidates.Distinct().Count());
        var fixedTrees = HyperParameters.None with { Trees = 50 };
        Assert.All(AutoSearch.CrossValidationCandidates(455, fixedTrees), c => Assert.Equal(50, c.Trees));
    }

    /// <summary>
    /// The first candidate within one standard error of the best mean wins: a difference the folds cannot tell from
    /// noise goes to the earlier, simpler candidate; a larger one to the best.
    /// </summary>
    [Fact]
    public void CrossValidation_ChoosesTheFirstCandidateWithinOneStandardErrorOfTheBest()
    {
        // The best: mean 0.90, fold scores 0.86, 0.90, 0.94: standard deviation 0.04, standard error 0.04 / sqrt(3) = 0.0231.
        double[] best = [0.86, 0.90, 0.94];

        Assert.Equal(0, AutoSearch.WithinOneStandardError([[0.88, 0.88, 0.88], [0.85, 0.85, 0.85], best]));
        Assert.Equal(1, AutoSearch.WithinOneStandardError([[0.87, 0.87, 0.87], [0.88, 0.88, 0.88], best]));
        Assert.Equal(2, AutoSearch.WithinOneStandardError([[0.87, 0.87, 0.87], [0.85, 0.85, 0.85], best]));
        // Folds that agree exactly leave no error: only the best mean itself.
        Assert.Equal(1, AutoSearch.WithinOneStandardError([[0.899, 0.899, 0.899], [0.9, 0.9, 0.9]]));
        // On a tie the earlier candidate; a fold that could not be scored counts as no score at all.
        Assert.Equal(0, AutoSearch.WithinOneStandardError([[0.9, 0.9, 0.9], [0.9, 0.9, 0.9]]));
        Assert.Equal(1, AutoSearch.WithinOneStandardError([[0.95, double.NegativeInfinity, 0.95], [0.8, 0.8, 0.8]]));
        // In another order of preference the same scores go to the preferred candidate within the error, or the best.
        Assert.Equal(1, AutoSearch.WithinOneStandardError([[0.88, 0.88, 0.88], [0.885, 0.885, 0.885], best], [1, 0, 2]));
        Assert.Equal(2, AutoSearch.WithinOneStandardError([[0.88, 0.88, 0.88], [0.85, 0.85, 0.85], best], [1, 2, 0]));
        Assert.Equal(1, AutoSearch.WithinOneStandardError([[0.9, 0.9, 0.9], [0.9, 0.9, 0.9]], [1, 0]));
    }

    /// <summary>
    /// A forest is scored in the folds with half its trees (its score levels off as trees are added); every other
    /// learner is scored as it is, and the winner is refitted as listed (the test above checks the refit).
    /// </summary>
    [Fact]
    public void FoldFits_ScoreAForestWithHalfItsTrees_AndEveryOtherCandidateAsItIs()
    {
        foreach (var candidate in AutoSearch.CrossValidationCandidates(455, HyperParameters.None))
        {
            var scored = AutoSearch.AsScored(candidate);
            Assert.Equal(candidate.Algorithm == TrainingAlgorithm.FastForest ? candidate with { Trees = 50 } : candidate, scored);
        }

        Assert.Equal(1, AutoSearch.AsScored(new Candidate(TrainingAlgorithm.FastForest, 1, 20, 0, 1, 0)).Trees);
        Assert.Equal(200, AutoSearch.AsScored(Candidate.Default(TrainingAlgorithm.FastForest, 455, HyperParameters.None with { Trees = 400 })).Trees);
    }

    /// <summary>Same data, same seed, several threads fitting folds side by side: the same choice and the same model.</summary>
    [Fact]
    public void SampledWinner_GetsMoreLeavesForMoreRows_UpToACap_AndNeverFewerThanItHad()
    {
        var boosted = new Candidate(TrainingAlgorithm.LightGbm, 100, 63, 0.2, 20, 0);
        Assert.Equal(63, AutoSearch.Scale(boosted, 20_000, 25_000).Leaves); // too little growth to matter
        Assert.Equal(89, AutoSearch.Scale(boosted, 20_000, 40_000).Leaves); // 63 x sqrt(2)
        Assert.Equal(127, AutoSearch.Scale(boosted, 20_000, 160_000).Leaves); // 178 by the square root, capped
        var forest = new Candidate(TrainingAlgorithm.FastForest, 100, 312, 0, 2, 0);
        Assert.Equal(312, AutoSearch.Scale(forest, 20_000, 160_000).Leaves);
        var linear = new Candidate(TrainingAlgorithm.Linear, 100, 0, 0, 0, 0.1);
        Assert.Equal(linear, AutoSearch.Scale(linear, 20_000, 160_000));
    }

    [Fact]
    public void Auto_OnSmallData_IsRepeatable_WithSeveralThreads()
    {
        var trainer = new ModelTrainer(new TrainerOptions { Threads = 2 });
        var frame = MlTestData.Public("wine");
        var spec = MlTestData.Spec("target", algorithm: TrainingAlgorithm.Auto, parameters: ImmutableDictionary<string, double>.Empty);

        var first = trainer.Train(frame, spec, null, CancellationToken.None);
        var second = trainer.Train(frame, spec, null, CancellationToken.None);

        Assert.Equal(first.Algorithm, second.Algorithm);
        Assert.Equal(first.Metrics, second.Metrics);
    }

    /// <summary>
    /// FastTree and FastForest trainers as ML.NET makes them force full garbage collections when they fit; the ones the
    /// trainer makes do not (the flag is found by reflection, so an ML.NET without it fails here rather than silently).
    /// </summary>
    [Fact]
    public void FastTreeTrainers_DoNotForceGarbageCollections()
    {
        var ml = new MLContext(1);
        Assert.True(OrleansMl.Ml.Learners.ForcesCollections(ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options())));
        Assert.True(OrleansMl.Ml.Learners.ForcesCollections(ml.Regression.Trainers.FastForest(new FastForestRegressionTrainer.Options())));

        var tree = OrleansMl.Ml.Learners.Create(ml, ModelTask.Binary, Candidate.Default(TrainingAlgorithm.FastTree, 100, HyperParameters.None), 100, 1, 1, []);
        var forest = OrleansMl.Ml.Learners.Create(ml, ModelTask.Regression, Candidate.Default(TrainingAlgorithm.FastForest, 100, HyperParameters.None), 100, 1, 1, []);

        Assert.False(OrleansMl.Ml.Learners.ForcesCollections(tree));
        Assert.False(OrleansMl.Ml.Learners.ForcesCollections(forest));
    }

    /// <summary>
    /// Under 10,000 rows the linear classifiers fit on one thread from a cache of their scaled rows; above, on two
    /// threads from rows held in memory. Both minimize the same loss, so on the same rows the two paths give the same
    /// probabilities (up to the order the loss is summed in); a cache or a thread setting that fed L-BFGS other rows,
    /// or none, would not.
    /// </summary>
    [Theory]
    [InlineData(ModelTask.Binary)]
    [InlineData(ModelTask.Multiclass)]
    public void LinearClassifier_OnOneThreadFromACache_FitsAsOnTwoThreadsInMemory(ModelTask task)
    {
        var ml = new MLContext(7);
        var random = new Random(7);
        var rows = Enumerable.Range(0, 300).Select(_ =>
        {
            var features = Enumerable.Range(0, 5).Select(_ => (float)random.NextDouble()).ToArray();
            var margin = features[0] + (2 * features[1]) - features[2] + (0.3 * random.NextDouble());
            return new LinearRow { Features = features, Label = margin < 1.2 ? 1u : margin < 1.8 ? 2u : 3u };
        }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        if (task == ModelTask.Binary)
        {
            data = ml.Transforms.CustomMapping<LinearRow, BinaryLabel>((r, b) => b.Label = r.Label > 1, null).Fit(data).Transform(data);
        }

        float[][] Probabilities(int rowsHint)
        {
            var candidate = Candidate.Default(TrainingAlgorithm.Linear, rowsHint, HyperParameters.None);
            var scored = OrleansMl.Ml.Learners.Create(ml, task, candidate, rowsHint, 2, 7, []).Fit(data).Transform(data);
            return task == ModelTask.Binary
                ? [.. scored.GetColumn<float>("Probability").Select(p => new[] { p })]
                : [.. scored.GetColumn<VBuffer<float>>("Score").Select(s => s.DenseValues().ToArray())];
        }

        var cached = Probabilities(300);
        var inMemory = Probabilities(20_000);
        Assert.Equal(rows.Count, cached.Length);
        for (var i = 0; i < cached.Length; i++)
        {
            for (var j = 0; j < cached[i].Length; j++)
            {
                // L-BFGS stops once an iteration improves the loss by less than a relative 1e-7, and the two fits sum
                // the gradient in different orders, so they stop a little apart.
                Assert.True(Math.Abs(cached[i][j] - inMemory[i][j]) < 2e-3, $"row {i}, output {j}: {cached[i][j]} vs {inMemory[i][j]}");
            }
        }

        // The model learned something: not a constant.
        Assert.True(cached.Select(p => p[0]).Distinct().Count() > 100);
    }

    private sealed class LinearRow
    {
        [VectorType(5)]
        public float[] Features { get; set; } = [];

        [KeyType(3)]
        public uint Label { get; set; }
    }

    private sealed class BinaryLabel
    {
        public bool Label { get; set; }
    }

    /// <summary>
    /// FastTree's split search runs with the machine's cores (at least two) in this process, whatever thread count the
    /// first FastTree-family fit asked for (a one-thread fit comes first here); found by reflection, so an ML.NET without
    /// its task manager fails here rather than silently.
    /// </summary>
    [Fact]
    public void FastTreeSplitSearch_RunsWithTheMachinesCores_WhateverTheFirstFitAsked()
    {
        var frame = MlTestData.Frame(MlTestData.BinaryCsv(200));
        Trainer.Train(frame, MlTestData.Spec("churned", algorithm: TrainingAlgorithm.FastTree, parameters: MlTestData.Parameters(("trees", 5))), null, CancellationToken.None);

        Assert.Equal(Math.Max(2, Environment.ProcessorCount), OrleansMl.Ml.Learners.FastTreeThreads);
    }

    /// <summary>
    /// A search raises the thread pool's minimum by its fitting threads while it runs and gives them back after, so
    /// ML.NET's scoring parts never wait for the pool's starvation check (see <see cref="ThreadPoolHeadroom"/>).
    /// </summary>
    [Fact]
    public void ThreadPoolHeadroom_RaisesThePoolsMinimum_ForAsLongAsItIsHeld()
    {
        // Searches of other tests may hold and return headroom meanwhile; none can take this one's away.
        ThreadPool.GetMinThreads(out _, out var io);
        int during, held;
        using (ThreadPoolHeadroom.Reserve(3))
        {
            using (ThreadPoolHeadroom.Reserve(2))
            {
                ThreadPool.GetMinThreads(out during, out _);
                held = ThreadPoolHeadroom.Reserved;
            }
        }

        Assert.True(held >= 5, $"{held} threads reserved while 5 were held");
        Assert.True(during >= ThreadPoolHeadroom.Baseline + 5, $"the minimum was {during}, its baseline {ThreadPoolHeadroom.Baseline}, with 5 threads held");
        ThreadPool.GetMinThreads(out var after, out var ioAfter);
        Assert.True(after < during || ThreadPoolHeadroom.Reserved > 0, $"the minimum stayed at {after} after the threads were returned");
        Assert.Equal(io, ioAfter);
    }

    /// <summary>
    /// LightGBM's OpenMP calls go to LLVM's runtime in this process (the default <c>auto</c>, with Debian's libomp5
    /// installed as the test run installs it): after a LightGBM fit, the global scope the native library's calls bind
    /// through resolves OpenMP's entry points to libomp, not to the GNU runtime LightGBM was linked against; and a
    /// later choice of another runtime cannot change it.
    /// </summary>
    [Fact]
    public void LightGbm_RunsOnLlvmsOpenMpRuntime_WhenItIsInstalled()
    {
        var frame = MlTestData.Frame(MlTestData.BinaryCsv(200));
        Trainer.Train(frame, MlTestData.Spec("churned", algorithm: TrainingAlgorithm.LightGbm, parameters: MlTestData.Parameters(("trees", 5))), null, CancellationToken.None);

        Assert.True(OpenMpRuntime.Active == OpenMpRuntime.Llvm, $"LightGBM runs on the {OpenMpRuntime.Active} OpenMP runtime; install libomp5 (apt-get install libomp5).");
        Assert.Contains("libomp", OpenMpRuntime.Provider("GOMP_parallel"), StringComparison.Ordinal);
        Assert.Contains("libomp", OpenMpRuntime.Provider("omp_get_max_threads"), StringComparison.Ordinal);
        Assert.Contains(File.ReadLines("/proc/self/maps"), line => line.EndsWith("lib_lightgbm.so", StringComparison.Ordinal));
        Assert.Equal(OpenMpRuntime.Llvm, OpenMpRuntime.Select(OpenMpRuntime.Gnu));
    }

    /// <summary>
    /// Fits handed to other silos score exactly as they would at home, so spreading a search changes where fits run,
    /// never the choice: here three "silos" each prepare the search on their own (their own split, featurizer and
    /// folds, as a silo does from its own copy of the dataset): one scores every fit it gets, one declines after its
    /// first (its slot got busy), one fails (its silo died). The model is the one the search picks alone, to the last
    /// digit of every metric, and the fits the others declined or lost were run at home.
    /// </summary>
    [Theory]
    [InlineData("breast_cancer")]
    [InlineData("diabetes")]
    public void SpreadSearch_ChoosesTheSameModel_WhateverOtherSilosScoreDeclineOrLose(string dataset)
    {
        var frame = MlTestData.Public(dataset);
        var spec = MlTestData.Spec("target", algorithm: TrainingAlgorithm.Auto, parameters: ImmutableDictionary<string, double>.Empty);
        var alone = Trainer.Train(frame, spec, null, CancellationToken.None);

        var silos = new Silos(frame, spec);
        var spread = Trainer.Train(frame, spec, null, CancellationToken.None, silos);

        Assert.Equal(alone.Algorithm, spread.Algorithm);
        Assert.Equal(alone.Metrics, spread.Metrics);
        Assert.True(silos.Scored[0] > 0, "the willing silo scored no fit");
        Assert.Equal(1, silos.Scored[1]);
        Assert.Equal(0, silos.Scored[2]);
        Assert.Equal(silos.Scored.Sum(), spread.RemoteTrials);
        Assert.Equal(0, alone.RemoteTrials);
        output.WriteLine($"{dataset}: {spread.Algorithm}, {spread.RemoteTrials} fits elsewhere, search {spread.SearchMs:F0} ms (alone {alone.SearchMs:F0} ms)");
    }

    /// <summary>Three other silos, each with its own preparation of the search; see the test above.</summary>
    private sealed class Silos(DatasetFrame frame, TrainingSpec spec) : IRemoteTrials
    {
        private readonly SearchTrials[] _prepared =
            [.. Enumerable.Range(0, 3).Select(_ => Trainer.PrepareTrials(frame, spec, CancellationToken.None)!)];

        public int[] Scored { get; } = new int[3];

        public int Count => 3;

        public async Task<double?> ScoreAsync(int worker, int candidate, string algorithm, int fold, CancellationToken cancellationToken)
        {
            await Task.Yield();
            // The search names the candidate it means, as each silo's own preparation describes it.
            Assert.Equal(_prepared[worker].Describe(candidate), algorithm);
            switch (worker)
            {
                case 1 when Scored[1] == 1:
                    return null;
                case 2:
                    throw new TimeoutException("the silo stopped answering");
            }

            var score = _prepared[worker].Score(candidate, fold, cancellationToken);
            Scored[worker]++;
            return score;
        }
    }

    private static TrainedModel Train(DatasetFrame frame, TrainingAlgorithm algorithm) =>
        Trainer.Train(frame, MlTestData.Spec("target", algorithm: algorithm, parameters: ImmutableDictionary<string, double>.Empty), null, CancellationToken.None);
}
