using System.Collections.Immutable;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class RegistryAndPredictionTests(ClusterFixture fixture)
{
    private IClusterClient Grains => fixture.Client;

    [Fact]
    public async Task PromoteAndRollback_MoveTheAliasAndRecordHistory()
    {
        var (model, grain) = await TrainedModels.LinearThenLightGbmAsync(Grains);

        await grain.SetAliasAsync("production", 1, "first release");
        var promoted = await grain.SetAliasAsync("production", 2, "better auc");
        var rolledBack = await grain.RollbackAliasAsync("production", "v2 misbehaves");
        var info = await grain.GetAsync();

        Assert.Equal((2, 1), (promoted.Change.To, promoted.Change.From));
        Assert.Equal(1, rolledBack.Version);
        Assert.Equal(1, info.Aliases["production"]);
        Assert.Equal(
            [("promote", null, 1), ("promote", 1, 2), ("rollback", 2, 1)],
            info.AliasHistory.Select(h => (h.Action, h.From, h.To)).ToArray());
        Assert.Equal("v2 misbehaves", info.AliasHistory[^1].Reason);
        Assert.Equal(1, (await Predict(model, Row(1.5, 1.5))).Version);
    }

    [Fact]
    public async Task Rollback_WithNoEarlierVersion_IsAClearErrorAndChangesNothing()
    {
        var (_, grain) = await TrainedModels.LinearThenLightGbmAsync(Grains);
        await grain.SetAliasAsync("production", 2);

        var error = await Assert.ThrowsAsync<RollbackUnavailableException>(() => grain.RollbackAliasAsync("production"));
        var unknown = await Assert.ThrowsAsync<AliasNotFoundException>(() => grain.RollbackAliasAsync("staging"));

        Assert.Contains("no earlier version", error.Message, StringComparison.Ordinal);
        Assert.Contains("'staging'", unknown.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await grain.GetAsync()).Aliases["production"]);
        Assert.Single((await grain.GetAsync()).AliasHistory);
    }

    [Fact]
    public async Task Promote_OfAVersionThatHasNotSucceeded_IsRejected()
    {
        var (dataset, model) = (TestData.Name("ds"), TestData.Name("m"));
        await Grains.UploadDatasetAsync(dataset, TestData.Binary(3000));
        var grain = Grains.GetGrain<IModelGrain>(model);

        // A fit that cannot end within its time budget fails.
        var failed = await grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.FastTree,
            Parameters: System.Collections.Immutable.ImmutableDictionary<string, double>.Empty.Add("trees", 10_000).Add("leaves", 16).Add("timeBudgetSeconds", 0.5)));
        Assert.Equal(TrainingStatus.Failed, (await Eventually.TerminalAsync(Grains, model, failed.Version)).Status);

        var error = await Assert.ThrowsAsync<VersionNotReadyException>(() => grain.SetAliasAsync("production", failed.Version));
        var missing = await Assert.ThrowsAsync<ModelVersionNotFoundException>(() => grain.SetAliasAsync("production", 7));

        Assert.Contains("failed", error.Message, StringComparison.Ordinal);
        Assert.Contains("no version 7", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VersionBelowOne_IsAnInvalidVersionNumber_NotAMissingVersion_AndChangesNothing()
    {
        var (model, grain) = await TrainedModels.LinearThenLightGbmAsync(Grains);
        var dataset = (await grain.GetVersionAsync(1)).Spec.Dataset;

        var read = await Assert.ThrowsAsync<InvalidVersionNumberException>(() => grain.GetVersionAsync(0));
        var promote = await Assert.ThrowsAsync<InvalidVersionNumberException>(() => grain.SetAliasAsync("production", -1));
        var delete = await Assert.ThrowsAsync<InvalidVersionNumberException>(() => grain.DeleteVersionAsync(0));
        var train = await Assert.ThrowsAsync<InvalidVersionNumberException>(() => grain.TrainAsync(new TrainingRequest(dataset, 0, "label")));
        var predict = await Assert.ThrowsAsync<InvalidVersionNumberException>(() =>
            Grains.GetGrain<IPredictorGrain>(model).PredictAsync(new PredictionRequest([Row(1.5, 1.5)], Version: 0)));

        Assert.Equal(("version", "version must be a version number: versions start at 1 (got 0)."), (read.Field, read.Message));
        Assert.Equal("version must be a version number: versions start at 1 (got -1).", promote.Message);
        Assert.Equal("version", delete.Field);
        Assert.Equal(("datasetVersion", "datasetVersion must be a version number: versions start at 1 (got 0)."), (train.Field, train.Message));
        Assert.Equal("version", predict.Field);
        var info = await grain.GetAsync();
        Assert.Empty(info.Aliases);
        Assert.Equal([1, 2], info.Versions.Select(v => v.Version));
    }

    [Fact]
    public async Task Predict_WithoutAlias_UsesProductionElseNewestSucceeded()
    {
        var (model, grain) = await TrainedModels.LinearThenLightGbmAsync(Grains);

        var newest = await Predict(model, Row(1, 1));
        await grain.SetAliasAsync("production", 1);
        var production = await Predict(model, Row(1, 1));
        var explicitVersion = await Grains.GetGrain<IPredictorGrain>(model).PredictAsync(new PredictionRequest([Row(1, 1)], Version: 2));

        Assert.Equal((2, null), (newest.Version, newest.Alias));
        Assert.Equal((1, "production"), (production.Version, production.Alias));
        Assert.Equal(2, explicitVersion.Version);
    }

    [Theory]
    [InlineData("yes", "no", FeatureValueKind.String)]
    [InlineData("1", "0", FeatureValueKind.Number)]
    [InlineData("true", "false", FeatureValueKind.Boolean)]
    public async Task Predict_ReturnsLabelsInTheLabelColumnsOwnValues(string positive, string negative, FeatureValueKind kind)
    {
        var (dataset, model) = (TestData.Name("ds"), TestData.Name("m"));
        await Grains.UploadDatasetAsync(dataset, TestData.Binary(300, positive: positive, negative: negative));
        var queued = await Grains.GetGrain<IModelGrain>(model).TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.LightGbm));
        Assert.Equal(TrainingStatus.Succeeded, (await Eventually.TerminalAsync(Grains, model, queued.Version)).Status);

        var result = await Grains.GetGrain<IPredictorGrain>(model).PredictAsync(new PredictionRequest([Row(1.5, 1.5), Row(-1.5, -1.5)]));

        Assert.Equal(kind, result.Predictions[0].Label!.Value.Kind);
        Assert.Equal(positive, result.Predictions[0].Label!.Value.ToString());
        Assert.Equal(negative, result.Predictions[1].Label!.Value.ToString());
        Assert.True(result.Predictions[0].Probabilities![positive] > 0.5);
    }

    [Fact]
    public async Task Predict_Multiclass_ReturnsTheClassName()
    {
        var (dataset, model) = (TestData.Name("ds"), TestData.Name("m"));
        await Grains.UploadDatasetAsync(dataset, TestData.Multiclass());
        var queued = await Grains.GetGrain<IModelGrain>(model).TrainAsync(new TrainingRequest(dataset, null, "species", Algorithm: TrainingAlgorithm.LightGbm));
        Assert.Equal(TrainingStatus.Succeeded, (await Eventually.TerminalAsync(Grains, model, queued.Version)).Status);

        var row = ImmutableDictionary<string, FeatureValue>.Empty.Add("petal_length", 5.5).Add("petal_width", 2.8);
        var result = await Grains.GetGrain<IPredictorGrain>(model).PredictAsync(new PredictionRequest([row]));

        Assert.Equal("virginica", result.Predictions[0].Label!.Value.Text);
        Assert.Equal(3, result.Predictions[0].Probabilities!.Count);
    }

    [Fact]
    public async Task Predict_WithBadRows_NamesTheColumn()
    {
        var (model, _) = await TrainedModels.LinearThenLightGbmAsync(Grains);
        var predictor = Grains.GetGrain<IPredictorGrain>(model);

        var missing = await Assert.ThrowsAsync<InvalidPredictionInputException>(() => predictor.PredictAsync(
            new PredictionRequest([ImmutableDictionary<string, FeatureValue>.Empty.Add("x1", 1.0).Add("color", "red")])));
        var unknown = await Assert.ThrowsAsync<InvalidPredictionInputException>(() => predictor.PredictAsync(
            new PredictionRequest([Row(1, 1).Add("x3", 1.0)])));
        var wrongType = await Assert.ThrowsAsync<InvalidPredictionInputException>(() => predictor.PredictAsync(
            new PredictionRequest([Row(1, 1), Row(1, 1).SetItem("x1", "abc")])));
        var empty = await Assert.ThrowsAsync<InvalidPredictionInputException>(() => predictor.PredictAsync(new PredictionRequest([])));

        Assert.Contains("x2", missing.Message, StringComparison.Ordinal);
        Assert.Contains("x3", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("x1", wrongType.Message, StringComparison.Ordinal);
        Assert.Contains("rows[1]", wrongType.Message, StringComparison.Ordinal);
        Assert.Contains("rows", empty.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Predict_OnAnUnknownModel_IsNotFound()
    {
        await Assert.ThrowsAsync<ModelNotFoundException>(
            () => Grains.GetGrain<IPredictorGrain>(TestData.Name("ghost")).PredictAsync(new PredictionRequest([Row(1, 1)])));
    }

    private Task<PredictionResult> Predict(string model, ImmutableDictionary<string, FeatureValue> row) =>
        Grains.GetGrain<IPredictorGrain>(model).PredictAsync(new PredictionRequest([row]));

    private static ImmutableDictionary<string, FeatureValue> Row(double x1, double x2) =>
        ImmutableDictionary<string, FeatureValue>.Empty.Add("x1", x1).Add("x2", x2).Add("color", x1 + x2 > 0 ? "red" : "blue");
}
