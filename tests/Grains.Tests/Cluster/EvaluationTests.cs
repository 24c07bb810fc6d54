using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Cluster;

/// <summary>A version scored on fresh data: the metrics training reports, computed the same way, and the refusals.</summary>
[Collection(ClusterCollection.Name)]
public sealed class EvaluationTests(ClusterFixture fixture)
{
    private IClusterClient Grains => fixture.Client;

    [Fact]
    public async Task Evaluate_OnFreshData_MatchesTheAccuracyOfTheServedPredictions()
    {
        var (train, fresh, model) = (TestData.Name("ds"), TestData.Name("fresh"), TestData.Name("m"));
        await Grains.UploadDatasetAsync(train, TestData.Binary(400, seed: 1));
        var freshCsv = TestData.Binary(300, seed: 7);
        await Grains.UploadDatasetAsync(fresh, freshCsv);
        var version = await TrainAsync(model, train, "label");

        var evaluation = await EvaluateAsync(model, version, fresh);

        // The served rule, row by row: the same rows through the prediction path, compared with the true labels.
        var rows = Rows(freshCsv);
        var served = await Grains.GetGrain<IPredictorGrain>(model).PredictAsync(
            new PredictionRequest([.. rows.Select(r => r.Inputs)], Version: version));
        var correct = served.Predictions.Zip(rows).Count(p => p.First.Label!.Value.Text == p.Second.Label);
        Assert.Equal((300, 300, 0, 0), (evaluation.Rows, evaluation.EvaluatedRows, evaluation.MissingLabelRows, evaluation.UnknownLabelRows));
        Assert.Equal(correct / 300.0, evaluation.Metrics["accuracy"], 9);
        Assert.Contains("auc", evaluation.Metrics.Keys);
        Assert.Equal((fresh, 1, ModelTask.Binary), (evaluation.Dataset, evaluation.DatasetVersion, evaluation.Task));
        Assert.Equal((await Grains.GetGrain<IModelGrain>(model).GetVersionAsync(version)).Metrics, evaluation.TrainingMetrics);
    }

    [Fact]
    public async Task Evaluate_OnLabelsSpelledAsOtherBooleanWords_MatchesTheClassesByMeaning()
    {
        var (train, fresh, spelled, model) = (TestData.Name("ds"), TestData.Name("fresh"), TestData.Name("tf"), TestData.Name("m"));
        await Grains.UploadDatasetAsync(train, TestData.Binary(400, seed: 1));
        await Grains.UploadDatasetAsync(fresh, TestData.Binary(300, seed: 7));
        await Grains.UploadDatasetAsync(spelled, TestData.Binary(300, seed: 7, positive: "TRUE", negative: "false"));
        var version = await TrainAsync(model, train, "label");

        var asTrained = await EvaluateAsync(model, version, fresh);
        var asBooleans = await EvaluateAsync(model, version, spelled);

        Assert.Equal((300, 300, 0, 0), (asBooleans.Rows, asBooleans.EvaluatedRows, asBooleans.MissingLabelRows, asBooleans.UnknownLabelRows));
        Assert.Equal(asTrained.Metrics, asBooleans.Metrics);
    }

    [Fact]
    public async Task Evaluate_LeavesOutUnlabelledRowsAndUnseenClasses_AndCountsThem()
    {
        var (train, fresh, model) = (TestData.Name("ds"), TestData.Name("fresh"), TestData.Name("m"));
        await Grains.UploadDatasetAsync(train, TestData.Multiclass(300));
        var csv = new StringBuilder(TestData.Multiclass(90, seed: 5));
        csv.Append("2.0,1.0,\n4.1,2.2,\n3.3,1.7,daisy\n");
        await Grains.UploadDatasetAsync(fresh, csv.ToString());
        var version = await TrainAsync(model, train, "species");

        var evaluation = await EvaluateAsync(model, version, fresh);

        Assert.Equal((93, 90, 2, 1), (evaluation.Rows, evaluation.EvaluatedRows, evaluation.MissingLabelRows, evaluation.UnknownLabelRows));
        Assert.True(evaluation.Metrics["microAccuracy"] > 0.9, $"microAccuracy {evaluation.Metrics["microAccuracy"]}");
    }

    [Fact]
    public async Task Evaluate_Regression_ReportsRmseMaeAndR2()
    {
        var (train, fresh, model) = (TestData.Name("ds"), TestData.Name("fresh"), TestData.Name("m"));
        await Grains.UploadDatasetAsync(train, TestData.Regression(300));
        await Grains.UploadDatasetAsync(fresh, TestData.Regression(100, seed: 9));
        var version = await TrainAsync(model, train, "y");

        var evaluation = await EvaluateAsync(model, version, fresh);

        Assert.Equal(["mae", "r2", "rmse"], evaluation.Metrics.Keys.Order());
        Assert.True(evaluation.Metrics["r2"] > 0.9, $"r2 {evaluation.Metrics["r2"]}");
    }

    [Fact]
    public async Task Evaluate_RefusesDataWithoutTheLabelOrAnInput_OrOfAnotherKind_AndUnfinishedVersions()
    {
        var (train, model) = (TestData.Name("ds"), TestData.Name("m"));
        await Grains.UploadDatasetAsync(train, TestData.Binary(300));
        var version = await TrainAsync(model, train, "label");
        var noLabel = TestData.Name("nolabel");
        await Grains.UploadDatasetAsync(noLabel, "id,x1,x2,color\n1,0.5,0.5,red\n2,-1,-1,blue\n");
        var noInput = TestData.Name("noinput");
        await Grains.UploadDatasetAsync(noInput, "id,x1,color,label\n1,0.5,red,yes\n2,-1,blue,no\n");
        var otherKind = TestData.Name("kind");
        await Grains.UploadDatasetAsync(otherKind, "id,x1,x2,color,label\n1,0.5,high,red,yes\n2,-1,low,blue,no\n");

        var label = await Assert.ThrowsAsync<InvalidEvaluationRequestException>(() => EvaluateAsync(model, version, noLabel));
        var input = await Assert.ThrowsAsync<InvalidEvaluationRequestException>(() => EvaluateAsync(model, version, noInput));
        var kind = await Assert.ThrowsAsync<InvalidEvaluationRequestException>(() => EvaluateAsync(model, version, otherKind));
        await Assert.ThrowsAsync<DatasetNotFoundException>(() => EvaluateAsync(model, version, TestData.Name("missing")));

        Assert.Contains("'label'", label.Message, StringComparison.Ordinal);
        Assert.Contains("'x2'", input.Message, StringComparison.Ordinal);
        Assert.Contains("'x2'", kind.Message, StringComparison.Ordinal);

        var running = await Grains.GetGrain<IModelGrain>(model).TrainAsync(new TrainingRequest(
            train, null, "label", Algorithm: TrainingAlgorithm.FastTree,
            Parameters: ImmutableDictionary<string, double>.Empty.Add("trees", 10_000).Add("leaves", 16)));
        await Assert.ThrowsAsync<VersionNotReadyException>(() => EvaluateAsync(model, running.Version, train));
        await Grains.GetGrain<IModelGrain>(model).CancelAsync(running.Version);
    }

    private async Task<int> TrainAsync(string model, string dataset, string label)
    {
        var queued = await Grains.GetGrain<IModelGrain>(model).TrainAsync(new TrainingRequest(dataset, null, label, Algorithm: TrainingAlgorithm.LightGbm));
        var done = await Eventually.TerminalAsync(Grains, model, queued.Version, TimeSpan.FromMinutes(3));
        Assert.Equal(TrainingStatus.Succeeded, done.Status);
        return done.Version;
    }

    private Task<ModelEvaluation> EvaluateAsync(string model, int version, string dataset) =>
        Grains.GetGrain<IModelVersionGrain>(ModelVersionKey.Format(model, version)).EvaluateAsync(dataset, null);

    private static List<(ImmutableDictionary<string, FeatureValue> Inputs, string Label)> Rows(string csv) =>
        [.. csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(line =>
        {
            var f = line.Split(',');
            var inputs = ImmutableDictionary<string, FeatureValue>.Empty
                .Add("id", double.Parse(f[0], CultureInfo.InvariantCulture))
                .Add("x1", double.Parse(f[1], CultureInfo.InvariantCulture))
                .Add("x2", double.Parse(f[2], CultureInfo.InvariantCulture))
                .Add("color", f[3]);
            return (inputs, f[4]);
        })];
}
