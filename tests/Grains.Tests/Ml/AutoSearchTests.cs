using System.Collections.Immutable;
using OrleansMl.Ml;
using Xunit.Abstractions;

namespace OrleansMl.Tests.Ml;

public class AutoSearchTests(ITestOutputHelper output)
{
    // One learner thread: results then depend on the data and the seed only.
    private static readonly ModelTrainer Trainer = new(new TrainerOptions { Threads = 1 });

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
            var spec = MlTestData.Spec("target", algorithm: algorithm, parameters: ImmutableDictionary<string, double>.Empty);
            var model = Trainer.Train(frame, spec, null, CancellationToken.None);
            output.WriteLine($"{algorithm}: {metric} {model.Metrics[metric]:F4} ({model.Algorithm})");
            testRows = model.TestRows;
            return metric == "rmse" ? -model.Metrics[metric] : model.Metrics[metric];
        }

        var auto = Score(TrainingAlgorithm.Auto);
        var singles = new[] { TrainingAlgorithm.FastTree, TrainingAlgorithm.LightGbm, TrainingAlgorithm.FastForest, TrainingAlgorithm.Linear }
            .Select(Score).ToList();
        var resolution = metric switch
        {
            "auc" => 0.002,
            "rmse" => 0.02 * Math.Abs(singles.Max()),
            _ => 1.0 / testRows,
        };

        Assert.True(auto >= singles.Average() - 1e-12, $"auto {Math.Abs(auto):F4} vs the average learner {Math.Abs(singles.Average()):F4}");
        Assert.True(auto >= singles.Max() - resolution, $"auto {Math.Abs(auto):F4} vs the best learner {Math.Abs(singles.Max()):F4}");
    }
}
