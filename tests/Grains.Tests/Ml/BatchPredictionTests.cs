using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using OrleansMl.Ml;

namespace OrleansMl.Tests.Ml;

/// <summary>
/// Several rows of a tree ensemble are scored by flattened trees rather than by ML.NET; every score, probability and
/// label must still be exactly ML.NET's.
/// </summary>
public class BatchPredictionTests
{
    private static readonly ModelTrainer Trainer = new(new TrainerOptions());

    public static TheoryData<string, TrainingAlgorithm> PublicDatasets()
    {
        var data = new TheoryData<string, TrainingAlgorithm>();
        foreach (var name in new[] { "breast_cancer", "iris", "wine", "diabetes" })
        {
            foreach (var algorithm in new[] { TrainingAlgorithm.FastTree, TrainingAlgorithm.LightGbm, TrainingAlgorithm.FastForest })
            {
                data.Add(name, algorithm);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PublicDatasets))]
    public void Batch_EqualsMlNetsOwnPredictions_OnPublicDatasets(string dataset, TrainingAlgorithm algorithm)
    {
        var frame = MlTestData.Public(dataset);

        AssertBatchEqualsMlNet(frame, MlTestData.Spec("target", algorithm: algorithm));
    }

    [Theory]
    [InlineData(TrainingAlgorithm.FastTree)]
    [InlineData(TrainingAlgorithm.LightGbm)]
    [InlineData(TrainingAlgorithm.FastForest)]
    public void Batch_EqualsMlNetsOwnPredictions_WithCategoriesAndMissingValues(TrainingAlgorithm algorithm)
    {
        // Income is missing in every 17th row and the city is one-hot encoded by ML.NET's featurizer.
        var frame = MlTestData.Frame(MlTestData.BinaryCsv(rows: 600));

        AssertBatchEqualsMlNet(frame, MlTestData.Spec("churned", algorithm: algorithm));
    }

    [Fact]
    public void Batch_EqualsMlNetsOwnPredictions_ForLightGbmCategoricalSplitsAndMissingValueDefaults()
    {
        // LightGBM splits one-hot columns as categories above 50,000 training rows, and sends missing values a learned way.
        var random = new Random(11);
        var csv = new StringBuilder("size,level,city,bought\n");
        string[] cities = ["Paris", "Berlin", "Rome", "Madrid", "Oslo", "Lima", "Kyiv", "Porto"];
        for (var i = 0; i < 70_000; i++)
        {
            var size = random.NextDouble() * 10;
            var level = random.Next(5);
            var city = random.Next(cities.Length);
            var bought = size + (city % 3 == 0 ? 3 : 0) - (level * 0.8) + (random.NextDouble() * 3) > 6;
            var sizeCell = i % 9 == 0 ? string.Empty : size.ToString("F3", CultureInfo.InvariantCulture);
            csv.Append(CultureInfo.InvariantCulture, $"{sizeCell},{level},{cities[city]},{(bought ? "yes" : "no")}\n");
        }

        var frame = MlTestData.Frame(csv.ToString());
        var spec = MlTestData.Spec("bought", algorithm: TrainingAlgorithm.LightGbm, parameters: MlTestData.Parameters(("trees", 40)));

        var model = AssertBatchEqualsMlNet(frame, spec, rowsToCompare: 3_000);

        Assert.True(LoadedModel.Load(new MemoryStream(model.ModelBytes), model.Signature).Trees!.HasMissingGoesLeft);
        var trees = Predictor(model) is CalibratedModelParametersBase { SubModel: TreeEnsembleModelParametersBasedOnRegressionTree ensemble }
            ? ensemble.TrainedTreeEnsemble.Trees
            : throw new InvalidOperationException("not a calibrated LightGBM model");
        Assert.Contains(trees, t => t.CategoricalSplitFlags.Contains(true));
    }

    [Fact]
    public void Batch_NamesTheRow_WhenARowIsInvalid()
    {
        var frame = MlTestData.Public("iris");
        var model = Trainer.Train(frame, MlTestData.Spec("target", algorithm: TrainingAlgorithm.LightGbm), null, CancellationToken.None);
        var predictor = LoadedModel.Load(new MemoryStream(model.ModelBytes), model.Signature).CreatePredictor();
        var rows = Rows(frame, 10).ToList();
        rows[7] = rows[7].Remove("petal width (cm)");

        var error = Assert.Throws<InvalidPredictionInputException>(() => predictor.Predict(rows));

        Assert.StartsWith("rows[7]: Invalid prediction row: missing column 'petal width (cm)'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LargeBatch_SplitOverCores_NamesTheFirstInvalidRow_AndScoresLikeOneRowAtATime()
    {
        // 2,000 rows are scored in parts side by side (one per core); an error still names the first bad row.
        var frame = MlTestData.Frame(MlTestData.BinaryCsv(rows: 2_000));
        var model = Trainer.Train(frame, MlTestData.Spec("churned", algorithm: TrainingAlgorithm.LightGbm), null, CancellationToken.None);
        var predictor = LoadedModel.Load(new MemoryStream(model.ModelBytes), model.Signature).CreatePredictor();
        var rows = Rows(frame, frame.RowCount).ToList();

        var batch = predictor.Predict(PredictionBatch.FromRows(rows));
        var oneByOne = rows.Select(predictor.Predict).ToList();

        Assert.Equal(oneByOne.Select(p => p.Score), batch.Scores.Select(s => (double?)s));
        Assert.Equal(oneByOne.Select(p => p.Probabilities!["yes"]), Enumerable.Range(0, rows.Count).Select(r => batch.Probabilities[(2 * r) + 1]));

        var broken = rows.ToList();
        broken[1_900] = broken[1_900].SetItem("income", "lots");
        var late = Assert.Throws<InvalidPredictionInputException>(() => predictor.Predict(PredictionBatch.FromRows(broken)));
        Assert.StartsWith("rows[1900]: ", late.Message, StringComparison.Ordinal);

        broken[3] = broken[3].SetItem("income", "some");
        var early = Assert.Throws<InvalidPredictionInputException>(() => predictor.Predict(PredictionBatch.FromRows(broken)));
        Assert.StartsWith("rows[3]: ", early.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TrainingAlgorithm.Linear, "wine")]
    [InlineData(TrainingAlgorithm.Lda, "wine")]
    [InlineData(TrainingAlgorithm.Linear, "diabetes")]
    [InlineData(TrainingAlgorithm.KernelRidge, "diabetes")]
    public void Batch_OfALinearModel_ScoresRowByRow(TrainingAlgorithm algorithm, string dataset)
    {
        var frame = MlTestData.Public(dataset);
        var model = Trainer.Train(frame, MlTestData.Spec("target", algorithm: algorithm), null, CancellationToken.None);
        var loaded = LoadedModel.Load(new MemoryStream(model.ModelBytes), model.Signature);
        var predictor = loaded.CreatePredictor();
        var rows = Rows(frame, frame.RowCount);

        var batch = predictor.Predict(rows);

        Assert.Null(loaded.Trees);
        Assert.Equal(rows.Select(predictor.Predict).Select(Describe), batch.Select(Describe));
    }

    /// <summary>
    /// Trains, then scores the frame's rows three ways: the batch (flattened trees), ML.NET's own batch pipeline over the
    /// frame's columns, and ML.NET's row mapper one row at a time; all three must agree bit for bit.
    /// </summary>
    private static TrainedModel AssertBatchEqualsMlNet(DatasetFrame frame, TrainingSpec spec, int? rowsToCompare = null)
    {
        var model = Trainer.Train(frame, spec, null, CancellationToken.None);
        var loaded = LoadedModel.Load(new MemoryStream(model.ModelBytes), model.Signature);
        Assert.True(loaded.Trees is not null, $"no flattened trees: {loaded.TreesUnavailable}");
        var count = Math.Min(frame.RowCount, rowsToCompare ?? frame.RowCount);
        var rows = Rows(frame, count);
        var predictor = loaded.CreatePredictor();

        var batch = predictor.Predict(rows);

        var ml = new MLContext();
        var transformer = ml.Model.Load(new MemoryStream(model.ModelBytes), out _);
        var plan = TrainingPlan.Create(frame, spec);
        var scored = transformer.Transform(new FrameDataView(plan.Layout, null, [.. Enumerable.Range(0, count)]));
        var classes = model.Signature.Classes;
        Assert.Equal(count, batch.Length);
        switch (model.Signature.Task)
        {
            case ModelTask.Binary:
                var scores = scored.GetColumn<float>("Score").ToArray();
                var probabilities = scored.GetColumn<float>("Probability").ToArray();
                for (var r = 0; r < count; r++)
                {
                    Assert.Equal(scores[r], batch[r].Score);
                    Assert.Equal(probabilities[r], batch[r].Probabilities![classes[1]]);
                    Assert.Equal(1.0 - probabilities[r], batch[r].Probabilities![classes[0]]);
                    Assert.Equal(loaded.ClassValues[probabilities[r] > 0.5f ? 1 : 0], batch[r].Label);
                }

                break;
            case ModelTask.Multiclass:
                var vectors = scored.GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();
                for (var r = 0; r < count; r++)
                {
                    for (var k = 0; k < classes.Length; k++)
                    {
                        Assert.Equal(vectors[r][k], batch[r].Probabilities![classes[k]]);
                    }

                    var best = Array.IndexOf(vectors[r], vectors[r].Max());
                    Assert.Equal(vectors[r][best], batch[r].Score);
                    Assert.Equal(loaded.ClassValues[best], batch[r].Label);
                }

                break;
            default:
                var values = scored.GetColumn<float>("Score").ToArray();
                for (var r = 0; r < count; r++)
                {
                    Assert.Equal(values[r], batch[r].Value);
                }

                break;
        }

        Assert.Equal(rows.Select(predictor.Predict).Select(Describe), batch.Select(Describe));
        return model;
    }

    private static object Predictor(TrainedModel model)
    {
        var parts = new List<ITransformer>();
        void Flatten(ITransformer transformer)
        {
            if (transformer is IEnumerable<ITransformer> chain)
            {
                foreach (var part in chain)
                {
                    Flatten(part);
                }
            }
            else
            {
                parts.Add(transformer);
            }
        }

        Flatten(new MLContext().Model.Load(new MemoryStream(model.ModelBytes), out _));
        return parts.OfType<ISingleFeaturePredictionTransformer<object>>().First().Model;
    }

    private static ImmutableArray<ImmutableDictionary<string, FeatureValue>> Rows(DatasetFrame frame, int count) =>
        [.. Enumerable.Range(0, count).Select(r => MlTestData.Row(frame, r))];

    private static string Describe(Prediction p) =>
        $"{p.Label} {p.Value?.ToString("R", CultureInfo.InvariantCulture)} {p.Score?.ToString("R", CultureInfo.InvariantCulture)} "
        + string.Join(",", (p.Probabilities ?? ImmutableDictionary<string, double>.Empty).OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => $"{kv.Key}={kv.Value.ToString("R", CultureInfo.InvariantCulture)}"));
}
