using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using OrleansMl.Ml;
using OrleansMl.Tests.Ml;

namespace OrleansMl.Benchmarks;

/// <summary>
/// How <c>auto</c> compares with each learner at its defaults, through the engine alone (no silo): on seeded 80/20
/// splits of scikit-learn's public datasets (<c>--auto</c>), or on the train/test files <c>bench/run.sh --keep</c> wrote
/// (<c>--auto --split DIR</c>: each learner fitted on every row of <c>NAME_train.csv</c> as the benchmark does,
/// scored on <c>NAME_test.csv</c>). Prints every fit's time and test metric, and per dataset how often <c>auto</c>
/// matched or beat the best learner at its defaults and its slowest and mean training time.
/// </summary>
internal static class AutoBenchmark
{
    private static readonly TrainingAlgorithm[] Singles =
        [TrainingAlgorithm.FastTree, TrainingAlgorithm.LightGbm, TrainingAlgorithm.FastForest, TrainingAlgorithm.Linear, TrainingAlgorithm.Lda, TrainingAlgorithm.KernelRidge];

    public static void Run(string? splitDirectory, string[] datasets, int seeds, int? threads, int repeats)
    {
        var trainer = new ModelTrainer(new TrainerOptions { Threads = threads });
        Console.WriteLine($"auto against each learner at its defaults; {Environment.ProcessorCount} cores, learner threads {threads?.ToString(CultureInfo.InvariantCulture) ?? "all"}");

        // The process's first fits pay for compiling ML.NET's code: one of each first, as the side-by-side benchmark does.
        var warmUp = MlTestData.Public("iris");
        foreach (var algorithm in Singles.Prepend(TrainingAlgorithm.Auto))
        {
            trainer.Train(algorithm == TrainingAlgorithm.KernelRidge ? MlTestData.Public("diabetes") : warmUp, Spec(algorithm, 0.2, 1), null, CancellationToken.None);
        }

        var totals = new List<(string Dataset, int Matched, int Runs, double MeanMs, double MaxMs)>();

        // Per learner (auto first): how often it matched or beat the best learner at its defaults, and its mean score.
        // A fixed choice of learner is what a user without auto would make, so its match count is auto's yardstick.
        var learnerTotals = new Dictionary<TrainingAlgorithm, (int Matched, int Runs)>();
        foreach (var dataset in datasets)
        {
            var cases = splitDirectory is null
                ? Enumerable.Range(1, seeds).Select(seed => (Seed: seed, Train: MlTestData.Public(dataset), Test: (DatasetFrame?)null)).ToList()
                : [(Seed: 42, Train: Load(Path.Combine(splitDirectory, dataset + "_train.csv")), Test: Load(Path.Combine(splitDirectory, dataset + "_test.csv")))];
            var autoMs = new List<double>();
            // Per learner fitted on this set (lda fits classes only): matches and the sum of its scores.
            var matches = new Dictionary<TrainingAlgorithm, int>();
            var sums = new Dictionary<TrainingAlgorithm, double>();
            var metricName = string.Empty;
            foreach (var (seed, train, test) in cases)
            {
                var fraction = test is null ? 0.2 : 0;
                var results = new List<(TrainingAlgorithm Algorithm, double Score, string Metric, double Ms, string Detail)>();
                TrainedModel? lastAuto = null;
                foreach (var algorithm in Singles.Prepend(TrainingAlgorithm.Auto))
                {
                    // auto is fitted several times when asked (its time is the median); a learner once: its result is the same.
                    var fits = algorithm == TrainingAlgorithm.Auto ? repeats : 1;
                    TrainedModel model = null!;
                    var times = new List<double>();
                    try
                    {
                        for (var r = 0; r < fits; r++)
                        {
                            model = trainer.Train(train, Spec(algorithm, fraction, seed), null, CancellationToken.None);
                            times.Add(model.TrainingMs);
                        }
                    }
                    catch (InvalidTrainingRequestException) when (algorithm is TrainingAlgorithm.Lda or TrainingAlgorithm.KernelRidge)
                    {
                        continue; // lda fits classes only, kernelridge a regression only
                    }

                    if (algorithm == TrainingAlgorithm.Auto)
                    {
                        lastAuto = model;
                    }

                    var metrics = test is null ? model.Metrics : ModelEvaluator.Evaluate(model.ModelBytes, model.Signature, test, CancellationToken.None).Metrics;
                    var (metric, score) = Primary(model.Signature.Task, metrics);
                    times.Sort();
                    results.Add((algorithm, score, metric, times[times.Count / 2], model.Algorithm));
                }

                var auto = results[0];
                var best = results.Skip(1).MaxBy(r => r.Score);
                var ok = auto.Score >= best.Score - 1e-9;

                foreach (var result in results)
                {
                    matches[result.Algorithm] = matches.GetValueOrDefault(result.Algorithm) + (result.Score >= best.Score - 1e-9 ? 1 : 0);
                    sums[result.Algorithm] = sums.GetValueOrDefault(result.Algorithm) + result.Score;
                    metricName = result.Metric;
                }

                autoMs.Add(auto.Ms);
                if (test is not null && lastAuto?.Search is { } search)
                {
                    // One split per set: what auto compared, best first, the chosen one marked.
                    foreach (var c in search.Candidates)
                    {
                        Console.WriteLine($"    {(c.Chosen ? "*" : " ")} {c.Algorithm}: {c.Score:F4} [{string.Join(", ", c.Scores.Select(v => v?.ToString("F4", CultureInfo.InvariantCulture)))}]");
                    }
                }

                Console.WriteLine($"{dataset} seed {seed}: auto {Show(auto.Metric, auto.Score)} in {auto.Ms:F0} ms ({auto.Detail}); best default "
                    + $"{EnumWords.Word(best.Algorithm)} {Show(best.Metric, best.Score)} -> {(ok ? "ok" : "WORSE")}; "
                    + string.Join(", ", results.Skip(1).Select(r => $"{EnumWords.Word(r.Algorithm)} {Show(r.Metric, r.Score)} {r.Ms:F0} ms")));
            }

            totals.Add((dataset, matches[TrainingAlgorithm.Auto], cases.Count, autoMs.Average(), autoMs.Max()));
            foreach (var (algorithm, count) in matches)
            {
                var (matched, runs) = learnerTotals.GetValueOrDefault(algorithm);
                learnerTotals[algorithm] = (matched + count, runs + cases.Count);
            }

            Console.WriteLine($"{dataset}: matched the best learner at defaults "
                + string.Join(", ", matches.Select(m => $"{EnumWords.Word(m.Key)} {m.Value}/{cases.Count}"))
                + $"; mean {metricName} " + string.Join(", ", sums.Select(m => $"{EnumWords.Word(m.Key)} {Math.Abs(m.Value / cases.Count):F4}")));
        }

        Console.WriteLine();
        foreach (var (dataset, matchedCount, runs, mean, max) in totals)
        {
            Console.WriteLine($"{dataset}: auto matched or beat the best learner at defaults {matchedCount}/{runs}; training mean {mean:F0} ms, max {max:F0} ms");
        }

        Console.WriteLine($"all: {totals.Sum(t => t.Matched)}/{totals.Sum(t => t.Runs)} matched; slowest auto {totals.Max(t => t.MaxMs):F0} ms");
        Console.WriteLine("each learner on every split it fits: " + string.Join(", ", learnerTotals.Select(t => $"{EnumWords.Word(t.Key)} {t.Value.Matched}/{t.Value.Runs}")));
    }

    /// <summary>Breaks one <c>auto</c> training into its stages: the split, featurizing, the search and the refit.</summary>
    public static void Profile(string dataset, int? threads, int repeats)
    {
        var trainer = new ModelTrainer(new TrainerOptions { Threads = threads });
        var frame = dataset.EndsWith(".csv", StringComparison.Ordinal) ? Load(dataset) : MlTestData.Public(dataset);
        for (var r = 0; r < repeats; r++)
        {
            var progress = new StageClock();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            var model = trainer.Train(frame, Spec(TrainingAlgorithm.Auto, 0.2, 42), progress, CancellationToken.None);
            var total = watch.Elapsed.TotalMilliseconds;
            cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            Console.WriteLine($"{Path.GetFileNameWithoutExtension(dataset)} run {r + 1}: {total:F0} ms end to end ({cpu.TotalMilliseconds:F0} ms of CPU), training {model.TrainingMs:F0} ms (search {model.SearchMs:F0} ms), "
                + $"evaluation {model.EvaluationMs:F0} ms; {progress.Describe(total)}; chosen {model.Algorithm}");
        }

        // What one fit of each learner at its defaults costs on two thirds of the training rows (a cross-validation
        // fold), one learner thread, after a first fit that pays for compiling; small data only.
        if (frame.RowCount > AutoSearch.CrossValidationRows)
        {
            return;
        }

        var spec = Spec(TrainingAlgorithm.Auto, 0.2, 42);
        var plan = TrainingPlan.Create(frame, spec);
        var labelled = Enumerable.Range(0, frame.RowCount).Where(r => !float.IsNaN(plan.LabelPlan.Values[r])).ToArray();
        var (trainRows, _) = RowSplit.Split(labelled, plan.LabelPlan.Values, plan.Task != ModelTask.Regression, 0.2, 42);
        var (fold, valid) = RowSplit.Split(trainRows, plan.LabelPlan.Values, plan.Task != ModelTask.Regression, 1.0 / 3, 7);
        var ml = new Microsoft.ML.MLContext(42);
        var watch2 = Stopwatch.StartNew();
        var featurizer = Featurizer.Create(ml, plan).Fit(new FrameDataView(plan.Layout, plan.LabelPlan, fold));
        var fit = ml.Data.Cache(featurizer.Transform(new FrameDataView(plan.Layout, plan.LabelPlan, fold)));
        var check = ml.Data.Cache(featurizer.Transform(new FrameDataView(plan.Layout, plan.LabelPlan, valid)));
        Console.WriteLine($"  featurize a fold: {watch2.Elapsed.TotalMilliseconds:F1} ms ({fold.Length} fit rows, {valid.Length} validation rows)");
        foreach (var algorithm in Singles.Where(a => (a != TrainingAlgorithm.Lda || plan.Task == ModelTask.Multiclass) && (a != TrainingAlgorithm.KernelRidge || plan.Task == ModelTask.Regression)))
        {
            var candidate = Candidate.Default(algorithm, fold.Length, HyperParameters.None);
            var times = new List<(double Fit, double Score)>();
            for (var r = 0; r < 1 + Math.Max(3, repeats); r++)
            {
                var context = new Microsoft.ML.MLContext(42);
                watch2.Restart();
                var learner = Learners.Create(context, plan.Task, candidate, fold.Length, 1, 42, Featurizer.Parts(plan)).Fit(fit);
                var fitMs = watch2.Elapsed.TotalMilliseconds;
                watch2.Restart();
                _ = ModelMetrics.Objective(plan.Task, ModelMetrics.Evaluate(context, plan.Task, learner.Transform(check)));
                times.Add((fitMs, watch2.Elapsed.TotalMilliseconds));
            }

            Console.WriteLine($"  {candidate.Describe(plan.Task)}: fit {string.Join(" / ", times.Select(t => t.Fit.ToString("F1", CultureInfo.InvariantCulture)))} ms, "
                + $"score {string.Join(" / ", times.Select(t => t.Score.ToString("F1", CultureInfo.InvariantCulture)))} ms");
        }
    }

    private static DatasetFrame Load(string path) => SyntheticData.Parse(File.ReadAllText(path));

    private static TrainingSpec Spec(TrainingAlgorithm algorithm, double testFraction, int seed) =>
        new("data", 1, "hash", "target", ModelTask.Auto, algorithm, [], ImmutableDictionary<string, double>.Empty, testFraction, seed);

    private static (string Metric, double Score) Primary(ModelTask task, ImmutableDictionary<string, double> metrics) => task switch
    {
        ModelTask.Binary => ("auc", metrics["auc"]),
        ModelTask.Multiclass => ("accuracy", metrics["microAccuracy"]),
        _ => ("rmse", -metrics["rmse"]),
    };

    private static string Show(string metric, double score) => $"{metric} {Math.Abs(score):F4}";

    /// <summary>When each reported stage began, relative to the first report.</summary>
    private sealed class StageClock : IProgress<TrainingProgress>
    {
        private readonly Stopwatch _watch = Stopwatch.StartNew();
        private readonly List<(string Stage, double At)> _stages = [];

        public void Report(TrainingProgress value)
        {
            lock (_stages)
            {
                if (_stages.Count == 0 || _stages[^1].Stage != value.Stage)
                {
                    _stages.Add((value.Stage, _watch.Elapsed.TotalMilliseconds));
                }
            }
        }

        public string Describe(double total)
        {
            var parts = new List<string>();
            for (var i = 0; i < _stages.Count; i++)
            {
                var end = i + 1 < _stages.Count ? _stages[i + 1].At : total;
                parts.Add($"{_stages[i].Stage} {end - _stages[i].At:F0} ms");
            }

            return string.Join(", ", parts);
        }
    }
}
