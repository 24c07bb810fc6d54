using System.Collections.Immutable;
using System.Globalization;
using OrleansMl.Ml;
using OrleansMl.Tests.Ml;

namespace OrleansMl.Benchmarks;

/// <summary>
/// The linear regression at several penalties on train/test files (<c>--linear DIR</c>: <c>NAME_train.csv</c> and
/// <c>NAME_test.csv</c>, label <c>target</c>): fitted on every training row, the test RMSE printed one line per fit as
/// <c>linear NAME l1 l2 rmse milliseconds description</c>. <c>bench/linear.py</c> writes the files and prints scikit-learn's
/// <c>Ridge</c> and <c>ElasticNet</c> beside these.
/// </summary>
internal static class LinearBenchmark
{
    public static readonly (double L1, double L2)[] Penalties = [(0, 0.01), (0, 0.1), (0, 1), (0, 10), (20, 1), (200, 1)];

    public static void Run(string directory, string[] datasets)
    {
        var trainer = new ModelTrainer(new TrainerOptions());
        // The process's first fit pays for compiling ML.NET's code: one untimed first.
        trainer.Train(MlTestData.Public("diabetes"), new TrainingSpec("data", 1, "hash", "target", ModelTask.Regression, TrainingAlgorithm.Linear, [],
            ImmutableDictionary<string, double>.Empty, 0.2, 42), null, CancellationToken.None);
        foreach (var name in datasets)
        {
            var train = SyntheticData.Parse(File.ReadAllText(Path.Combine(directory, name + "_train.csv")));
            var test = SyntheticData.Parse(File.ReadAllText(Path.Combine(directory, name + "_test.csv")));
            foreach (var (l1, l2) in Penalties)
            {
                var spec = new TrainingSpec("data", 1, "hash", "target", ModelTask.Regression, TrainingAlgorithm.Linear, [],
                    ImmutableDictionary<string, double>.Empty.Add("l1", l1).Add("l2", l2), 0, 42);
                var model = trainer.Train(train, spec, null, CancellationToken.None);
                var rmse = ModelEvaluator.Evaluate(model.ModelBytes, model.Signature, test, CancellationToken.None).Metrics["rmse"];
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"linear {name} {l1} {l2} {rmse:R} {model.TrainingMs:F1} {model.Algorithm}"));
            }
        }
    }
}
