using System.Collections.Immutable;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class TrainingTests(ClusterFixture fixture)
{
    private static readonly ImmutableDictionary<string, double> LongFit =
        ImmutableDictionary<string, double>.Empty.Add("trees", 10_000).Add("leaves", 16);

    private IClusterClient Grains => fixture.Client;

    [Fact]
    public async Task Train_ReturnsQueuedAtOnce_ThenSucceedsWithMetricsAndLineage()
    {
        var (dataset, model) = (TestData.Name("ds"), TestData.Name("m"));
        await Grains.UploadDatasetAsync(dataset, TestData.Binary());

        var queued = await Grains.GetGrain<IModelGrain>(model).TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.LightGbm));
        var done = await Eventually.TerminalAsync(Grains, model, queued.Version);

        Assert.Equal((1, TrainingStatus.Queued), (queued.Version, queued.Status));
        Assert.Equal(TrainingStatus.Succeeded, done.Status);
        Assert.Equal(ModelTask.Binary, done.Signature!.Task);
        Assert.True(done.Metrics["accuracy"] > 0.85, $"accuracy {done.Metrics["accuracy"]}");
        Assert.Contains("auc", done.Metrics.Keys);
        Assert.Equal((dataset, 1), (done.Spec.Dataset, done.Spec.DatasetVersion));
        Assert.NotNull(done.ArtifactHash);
        Assert.True(done.Timings.TrainingMs > 0);
        Assert.Equal(1.0, done.Progress);
    }

    [Fact]
    public async Task Jobs_WaitForTheTrainingSlot_AndCancelWhetherQueuedOrRunning()
    {
        var (dataset, model) = (TestData.Name("ds"), TestData.Name("m"));
        await Grains.UploadDatasetAsync(dataset, TestData.Binary(3000));
        var grain = Grains.GetGrain<IModelGrain>(model);

        var running = await grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.FastTree, Parameters: LongFit));
        var waiting = await grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.Linear));
        await Eventually.GetAsync(() => grain.GetVersionAsync(running.Version), v => v.Status == TrainingStatus.Running, what: "v1 to run");
        Assert.Equal(TrainingStatus.Queued, (await grain.GetVersionAsync(waiting.Version)).Status);

        var cancelledWhileQueued = await grain.CancelAsync(waiting.Version);
        var cancelledWhileRunning = await grain.CancelAsync(running.Version);

        Assert.Equal(TrainingStatus.Cancelled, cancelledWhileQueued.Status);
        Assert.Equal(TrainingStatus.Cancelled, cancelledWhileRunning.Status);
        var next = await grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.Linear));
        Assert.Equal(TrainingStatus.Succeeded, (await Eventually.TerminalAsync(Grains, model, next.Version, TimeSpan.FromSeconds(30))).Status);
        Assert.Equal(TrainingStatus.Cancelled, (await grain.GetVersionAsync(running.Version)).Status);
    }

    [Fact]
    public async Task Retrain_OnTheSameDatasetVersion_ReusesParsedFeatures()
    {
        var (dataset, model) = (TestData.Name("ds"), TestData.Name("m"));
        await Grains.UploadDatasetAsync(dataset, TestData.Binary(300));
        var grain = Grains.GetGrain<IModelGrain>(model);

        var first = await grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.Linear));
        await Eventually.TerminalAsync(Grains, model, first.Version);
        var second = await grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.FastTree));
        var done = await Eventually.TerminalAsync(Grains, model, second.Version);
        var stats = await Grains.GetGrain<IDatasetGrain>(dataset).GetCacheStatsAsync();

        Assert.True(done.Timings.DataCacheHit);
        Assert.Equal(0, stats.Misses);
        Assert.True(stats.Hits >= 2, $"hits {stats.Hits}");
        Assert.Equal(1, stats.CachedVersions);
    }

    [Theory]
    [InlineData("missing_column", "no column 'missing_column'")]
    [InlineData("", "label is required")]
    public async Task Train_WithABadLabel_IsRejectedAndCreatesNoVersion(string label, string expected)
    {
        var (dataset, model) = (TestData.Name("ds"), TestData.Name("m"));
        await Grains.UploadDatasetAsync(dataset, TestData.Binary(50));

        var error = await Assert.ThrowsAsync<InvalidTrainingRequestException>(
            () => Grains.GetGrain<IModelGrain>(model).TrainAsync(new TrainingRequest(dataset, null, label)));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ModelNotFoundException>(() => Grains.GetGrain<IModelGrain>(model).GetAsync());
    }

    [Fact]
    public async Task Train_OnAnUnknownDataset_IsNotFound()
    {
        await Assert.ThrowsAsync<DatasetNotFoundException>(
            () => Grains.GetGrain<IModelGrain>(TestData.Name("m")).TrainAsync(new TrainingRequest(TestData.Name("nope"), null, "label")));
    }

    [Fact]
    public async Task Train_WithALabelOfOneValue_OrTooFewLabelledRows_IsRejectedBeforeAnythingIsAllocated()
    {
        var (dataset, model) = (TestData.Name("ds"), TestData.Name("m"));
        await Grains.UploadDatasetAsync(dataset, "x,y,z\n" + string.Concat(Enumerable.Range(1, 12).Select(i => $"{i},a,{(i < 6 ? "b" : string.Empty)}\n")));
        var grain = Grains.GetGrain<IModelGrain>(model);

        var one = await Assert.ThrowsAsync<InvalidTrainingRequestException>(() => grain.TrainAsync(new TrainingRequest(dataset, null, "y", Algorithm: TrainingAlgorithm.FastTree)));
        var few = await Assert.ThrowsAsync<InvalidTrainingRequestException>(() => grain.TrainAsync(new TrainingRequest(dataset, null, "z", Algorithm: TrainingAlgorithm.FastTree)));

        Assert.Contains("The label column 'y' has only one value", one.Message, StringComparison.Ordinal);
        Assert.Contains("Only 5 rows have a value in the label column 'z'; training needs at least 10", few.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ModelNotFoundException>(() => grain.GetAsync());
    }

    [Fact]
    public async Task Train_LightGbmOnTooFewTrainingRows_IsRejectedBeforeAnythingIsAllocated_WhileFastTreeTrains()
    {
        var (dataset, model) = (TestData.Name("ds"), TestData.Name("m"));
        await Grains.UploadDatasetAsync(dataset, "x,y\n" + string.Concat(Enumerable.Range(0, 12).Select(i => $"{i},{i % 2}\n")));
        var grain = Grains.GetGrain<IModelGrain>(model);

        var half = await Assert.ThrowsAsync<InvalidTrainingRequestException>(
            () => grain.TrainAsync(new TrainingRequest(dataset, null, "y", Algorithm: TrainingAlgorithm.LightGbm, TestFraction: 0.5)));
        var most = await Assert.ThrowsAsync<InvalidTrainingRequestException>(
            () => grain.TrainAsync(new TrainingRequest(dataset, null, "y", Algorithm: TrainingAlgorithm.LightGbm, TestFraction: 0.9)));
        await Assert.ThrowsAsync<ModelNotFoundException>(() => grain.GetAsync());
        var fastTree = await grain.TrainAsync(new TrainingRequest(dataset, null, "y", Algorithm: TrainingAlgorithm.FastTree, TestFraction: 0.5));

        Assert.Contains("leaves about 6 of the 12 labelled rows to train on, and LightGBM needs at least 8", half.Message, StringComparison.Ordinal);
        Assert.Contains("Give testFraction at most 0.33", half.Message, StringComparison.Ordinal);
        Assert.Contains("leaves about 2 of the 12 labelled rows", most.Message, StringComparison.Ordinal);
        Assert.Equal(TrainingStatus.Succeeded, (await Eventually.TerminalAsync(Grains, model, fastTree.Version)).Status);
    }
}
