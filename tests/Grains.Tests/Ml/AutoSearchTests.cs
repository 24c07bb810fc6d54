using System.Collections.Immutable;
using OrleansMl.Ml;
using Xunit.Abstractions;

namespace OrleansMl.Tests.Ml;

public class AutoSearchTests(ITestOutputHelper output)
{
    // One learner thread: results then depend on the data and the seed only.
    private static readonly ModelTrainer Trainer = new(new TrainerOptions { Threads = 1 });

    [Theory]
    [InlineData("breast_cancer", "auc")]
    [InlineData("iris", "microAccuracy")]
    [InlineData("wine", "microAccuracy")]
    [InlineData("diabetes", "rmse")]
    public void Auto_ScoresAtLeastAsWellAsTheBestLearnerAtItsDefaults_OnPublicDatasets(string dataset, string metric)
    {
        var frame = MlTestData.Public(dataset);
        double Score(TrainingAlgorithm algorithm)
        {
            var spec = MlTestData.Spec("target", algorithm: algorithm, parameters: ImmutableDictionary<string, double>.Empty);
            var model = Trainer.Train(frame, spec, null, CancellationToken.None);
            output.WriteLine($"{algorithm}: {metric} {model.Metrics[metric]:F4} ({model.Algorithm})");
            return metric == "rmse" ? -model.Metrics[metric] : model.Metrics[metric];
        }

        var auto = Score(TrainingAlgorithm.Auto);
        var best = new[] { TrainingAlgorithm.FastTree, TrainingAlgorithm.LightGbm, TrainingAlgorithm.FastForest, TrainingAlgorithm.Linear }.Max(Score);

        Assert.True(auto >= best, $"auto {Math.Abs(auto):F4} vs the best learner at its defaults {Math.Abs(best):F4}");
    }
}
