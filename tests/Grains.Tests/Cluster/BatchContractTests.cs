using System.Collections.Immutable;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Cluster;

/// <summary>
/// <see cref="IPredictorGrain.PredictBatchAsync"/>, the arrays-in, arrays-out contract the gateway uses, answers exactly
/// what <see cref="IPredictorGrain.PredictAsync"/> answers for the same rows, with the same errors.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class BatchContractTests(ClusterFixture fixture)
{
    private IClusterClient Grains => fixture.Client;

    public static TheoryData<string, string, TrainingAlgorithm> Tasks() => new()
    {
        { "binary", "label", TrainingAlgorithm.LightGbm },
        { "binary", "label", TrainingAlgorithm.Linear },
        { "multiclass", "species", TrainingAlgorithm.FastTree },
        { "regression", "y", TrainingAlgorithm.FastForest },
    };

    [Theory]
    [MemberData(nameof(Tasks))]
    public async Task Batch_AnswersExactlyWhatThePerRowContractAnswers(string task, string label, TrainingAlgorithm algorithm)
    {
        var csv = task switch { "binary" => TestData.Binary(300), "multiclass" => TestData.Multiclass(), _ => TestData.Regression() };
        var model = await TrainAsync(csv, label, algorithm);
        var rows = Rows(csv, label).Take(57).ToImmutableArray();
        var predictor = Grains.GetGrain<IPredictorGrain>(model);

        var perRow = await predictor.PredictAsync(new PredictionRequest(rows));
        var batch = await predictor.PredictBatchAsync(PredictionBatch.FromRows(rows));
        var single = await predictor.PredictBatchAsync(PredictionBatch.FromRows([rows[3]]));

        Assert.Equal(57, batch.Count);
        Assert.Equal((perRow.Model, perRow.Version, perRow.Alias), (batch.Model, batch.Version, batch.Alias));
        var converted = batch.ToResult();
        for (var i = 0; i < rows.Length; i++)
        {
            Assert.Equal(Describe(perRow.Predictions[i]), Describe(converted.Predictions[i]));
        }

        Assert.Equal(Describe(perRow.Predictions[3]), Describe(single.At(0)));
    }

    [Fact]
    public async Task Batch_WithRowsThatDiffer_BindsEachRowByName_AndNamesTheRowThatLacksAColumn()
    {
        var csv = TestData.Binary(300);
        var model = await TrainAsync(csv, "label", TrainingAlgorithm.LightGbm);
        var predictor = Grains.GetGrain<IPredictorGrain>(model);
        var rows = Rows(csv, "label").Take(4).ToList();
        var reordered = rows.Select(r => (IReadOnlyDictionary<string, FeatureValue>)r.OrderByDescending(p => p.Key).ToDictionary(p => p.Key, p => p.Value)).ToList();
        reordered[2] = new Dictionary<string, FeatureValue>(reordered[2]) { ["LABEL"] = "yes" };

        var expected = await predictor.PredictAsync(new PredictionRequest([.. rows]));
        var shuffled = await predictor.PredictBatchAsync(PredictionBatch.FromRows(reordered));
        var lacking = rows.Select(r => (IReadOnlyDictionary<string, FeatureValue>)r).ToList();
        lacking[1] = rows[1].Remove("x2");
        var missing = await Assert.ThrowsAsync<InvalidPredictionInputException>(() => predictor.PredictBatchAsync(PredictionBatch.FromRows(lacking)));
        var expectedMissing = await Assert.ThrowsAsync<InvalidPredictionInputException>(() => predictor.PredictAsync(new PredictionRequest([.. lacking.Cast<ImmutableDictionary<string, FeatureValue>>()])));

        Assert.Equal(expected.Predictions.Select(Describe), shuffled.ToResult().Predictions.Select(Describe));
        Assert.Equal(expectedMissing.Message, missing.Message);
        Assert.StartsWith("rows[1]: Invalid prediction row: missing column 'x2'", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Batch_Errors_AreThoseOfThePerRowContract()
    {
        var csv = TestData.Binary(300);
        var model = await TrainAsync(csv, "label", TrainingAlgorithm.Linear);
        var predictor = Grains.GetGrain<IPredictorGrain>(model);
        var good = Rows(csv, "label").First();
        ImmutableDictionary<string, FeatureValue>[][] cases =
        [
            [good.Remove("x1")],
            [good.Add("x3", 1.0)],
            [good, good.SetItem("x1", "abc")],
            [good, good, good.SetItem("x2", "12kg").Add("nope", FeatureValue.Missing)],
        ];

        foreach (var rows in cases)
        {
            var expected = await Assert.ThrowsAsync<InvalidPredictionInputException>(() => predictor.PredictAsync(new PredictionRequest([.. rows])));
            var actual = await Assert.ThrowsAsync<InvalidPredictionInputException>(() => predictor.PredictBatchAsync(PredictionBatch.FromRows(rows)));
            Assert.Equal(expected.Message, actual.Message);
        }

        var empty = await Assert.ThrowsAsync<InvalidPredictionInputException>(() => predictor.PredictBatchAsync(new PredictionBatch([], 0, [], [])));
        var ragged = await Assert.ThrowsAsync<InvalidPredictionInputException>(() => predictor.PredictBatchAsync(new PredictionBatch(["x1", "x2"], 2, [1.0, 2.0, 3.0], [])));
        var ghost = await Assert.ThrowsAsync<ModelNotFoundException>(
            () => Grains.GetGrain<IPredictorGrain>(TestData.Name("ghost")).PredictBatchAsync(PredictionBatch.FromRows([good])));
        Assert.Contains("at least one row", empty.Message, StringComparison.Ordinal);
        Assert.Contains("3 cells for 2 rows of 2 columns", ragged.Message, StringComparison.Ordinal);
        Assert.Contains("ghost", ghost.Message, StringComparison.Ordinal);
    }

    private async Task<string> TrainAsync(string csv, string label, TrainingAlgorithm algorithm)
    {
        var (dataset, model) = (TestData.Name("ds"), TestData.Name("m"));
        await Grains.UploadDatasetAsync(dataset, csv);
        var queued = await Grains.GetGrain<IModelGrain>(model).TrainAsync(new TrainingRequest(dataset, null, label, Algorithm: algorithm));
        Assert.Equal(TrainingStatus.Succeeded, (await Eventually.TerminalAsync(Grains, model, queued.Version)).Status);
        return model;
    }

    /// <summary>The CSV's rows without the label (and the id), numbers as numbers, other cells as strings.</summary>
    private static IEnumerable<ImmutableDictionary<string, FeatureValue>> Rows(string csv, string label)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        foreach (var line in lines.Skip(1))
        {
            var cells = line.Split(',');
            var row = ImmutableDictionary.CreateBuilder<string, FeatureValue>();
            for (var c = 0; c < header.Length; c++)
            {
                if (header[c] == label || header[c] == "id")
                {
                    continue;
                }

                row[header[c]] = double.TryParse(cells[c], System.Globalization.CultureInfo.InvariantCulture, out var number)
                    ? FeatureValue.FromNumber(number)
                    : FeatureValue.FromString(cells[c]);
            }

            yield return row.ToImmutable();
        }
    }

    private static string Describe(Prediction p) =>
        $"{p.Label}|{p.Value:R}|{p.Score:R}|{string.Join(",", (p.Probabilities ?? ImmutableDictionary<string, double>.Empty).OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => $"{x.Key}={x.Value:R}"))}";
}
