using System.Collections.Immutable;
using OrleansMl.Models;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Cluster;

/// <summary>
/// A write the grain storage refuses changes nothing: the caller is told (<see cref="StorageUnavailableException"/>),
/// and reads and predictions show the state from before the call, also once the grains are loaded again from storage.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FailedWriteTests(ClusterFixture fixture) : IDisposable
{
    private IClusterClient Grains => fixture.Client;

    public void Dispose() => fixture.Faults.Clear();

    [Fact]
    public async Task FailedPromote_LeavesAliasesHistoryAndPredictions_AsBefore_AlsoAfterAReload()
    {
        var (model, grain) = await TrainAsync(TrainingAlgorithm.Linear, TrainingAlgorithm.LightGbm);
        await grain.SetAliasAsync(ModelAliases.Production, 1, "baseline");

        using (fixture.Faults.FailWrites("model", model))
        {
            var error = await Assert.ThrowsAsync<StorageUnavailableException>(() => grain.SetAliasAsync(ModelAliases.Production, 2, "candidate"));
            Assert.Contains("was not made", error.Message, StringComparison.Ordinal);
            await AssertProductionAsync(model, version: 1, historyLength: 1);
        }

        await ReloadAsync(model, 2);
        await AssertProductionAsync(model, version: 1, historyLength: 1);

        await grain.SetAliasAsync(ModelAliases.Production, 2, "candidate");
        await AssertProductionAsync(model, version: 2, historyLength: 2);
    }

    [Fact]
    public async Task FailedRollback_LeavesTheAliasAndPredictions_AsBefore_AlsoAfterAReload()
    {
        var (model, grain) = await TrainAsync(TrainingAlgorithm.Linear, TrainingAlgorithm.LightGbm);
        await grain.SetAliasAsync(ModelAliases.Production, 1);
        await grain.SetAliasAsync(ModelAliases.Production, 2);

        using (fixture.Faults.FailWrites("model", model))
        {
            await Assert.ThrowsAsync<StorageUnavailableException>(() => grain.RollbackAliasAsync(ModelAliases.Production, "worse"));
            await AssertProductionAsync(model, version: 2, historyLength: 2);
        }

        await ReloadAsync(model, 2);
        await AssertProductionAsync(model, version: 2, historyLength: 2);

        Assert.Equal(1, (await grain.RollbackAliasAsync(ModelAliases.Production, "worse")).Version);
        await AssertProductionAsync(model, version: 1, historyLength: 3);
    }

    [Fact]
    public async Task FailedTrain_WhenTheModelCannotBeWritten_LeavesNoVersion_AndTheNextTrainGetsTheSameNumber()
    {
        var (dataset, model) = await DatasetAsync();
        var grain = Grains.GetGrain<IModelGrain>(model);

        using (fixture.Faults.FailWrites("model", model))
        {
            await Assert.ThrowsAsync<StorageUnavailableException>(
                () => grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.FastTree)));
            await Assert.ThrowsAsync<ModelNotFoundException>(() => grain.GetAsync());
            await Assert.ThrowsAsync<ModelNotFoundException>(() => grain.GetVersionAsync(1));
        }

        await ReloadAsync(model, 1);
        await Assert.ThrowsAsync<ModelNotFoundException>(() => grain.GetAsync());
        Assert.DoesNotContain(model, await CatalogIndex.GetModelNamesAsync(Grains));

        var queued = await grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.Linear));
        var done = await Eventually.TerminalAsync(Grains, model, queued.Version);

        Assert.Equal(1, queued.Version);
        Assert.Equal((TrainingStatus.Succeeded, TrainingAlgorithm.Linear, 1), (done.Status, done.Spec.Algorithm, done.Attempts));
        Assert.Equal([1], (await grain.GetAsync()).Versions.Select(v => v.Version));
        Assert.Equal(1, (await PredictAsync(model)).Version);
    }

    [Fact]
    public async Task FailedTrain_WhenTheVersionCannotBeWritten_LeavesNoVersion_AndTheNextTrainGetsTheSameNumber()
    {
        var (dataset, model) = await DatasetAsync();
        var grain = Grains.GetGrain<IModelGrain>(model);
        await TrainToTheEndAsync(grain, model, dataset);

        using (fixture.Faults.FailWrites("version", ModelVersionKey.Format(model, 2)))
        {
            await Assert.ThrowsAsync<StorageUnavailableException>(
                () => grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.FastTree)));
            Assert.Equal([1], (await grain.GetAsync()).Versions.Select(v => v.Version));
            await Assert.ThrowsAsync<ModelVersionNotFoundException>(() => grain.GetVersionAsync(2));
        }

        await ReloadAsync(model, 2);
        Assert.Equal([1], (await grain.GetAsync()).Versions.Select(v => v.Version));

        var queued = await grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.Linear));
        Assert.Equal(2, queued.Version);
        Assert.Equal(TrainingStatus.Succeeded, (await Eventually.TerminalAsync(Grains, model, 2)).Status);
    }

    [Fact]
    public async Task FailedCancel_LeavesTheJobGoing_AlsoAfterAReload()
    {
        var (dataset, model) = await DatasetAsync(rows: 3000);
        var grain = Grains.GetGrain<IModelGrain>(model);
        var longFit = ImmutableDictionary<string, double>.Empty.Add("trees", 10_000).Add("leaves", 16);
        var running = await grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.FastTree, Parameters: longFit));
        await Eventually.GetAsync(() => grain.GetVersionAsync(running.Version), v => v.Status == TrainingStatus.Running, what: "the job to run");

        using (fixture.Faults.FailWrites("version", ModelVersionKey.Format(model, running.Version)))
        {
            await Assert.ThrowsAsync<StorageUnavailableException>(() => grain.CancelAsync(running.Version));
            Assert.False((await grain.GetVersionAsync(running.Version)).Status.IsTerminal());
        }

        await ReloadAsync(model, 1);
        Assert.False((await grain.GetVersionAsync(running.Version)).Status.IsTerminal());
        Assert.Equal([running.Version], (await Grains.GetGrain<IModelVersionListener>(model).GetPendingAsync()).ToArray());

        Assert.Equal(TrainingStatus.Cancelled, (await grain.CancelAsync(running.Version)).Status);
        await Eventually.GetAsync(() => Grains.GetGrain<IModelVersionListener>(model).GetPendingAsync(), p => p.IsEmpty, what: "the registry to take note");
        Assert.Equal(TrainingStatus.Cancelled, (await grain.GetVersionAsync(running.Version)).Status);
    }

    [Fact]
    public async Task FailedUpload_LeavesTheDatasetAsBefore_AlsoAfterAReload()
    {
        var name = TestData.Name("fw-ds");
        var dataset = Grains.GetGrain<IDatasetGrain>(name);
        await Grains.UploadDatasetAsync(name, TestData.Binary(50));
        var second = TestData.Binary(50, seed: 2);

        using (fixture.Faults.FailWrites("dataset", name))
        {
            var error = await Assert.ThrowsAsync<StorageUnavailableException>(() => Grains.UploadDatasetAsync(name, second));
            Assert.Contains($"dataset '{name}'", error.Message, StringComparison.Ordinal);
            Assert.Single((await dataset.GetAsync()).Versions);
        }

        await fixture.Cluster.DeactivateAsync(dataset);
        Assert.Single((await dataset.GetAsync()).Versions);

        var retried = await Grains.UploadDatasetAsync(name, second);
        Assert.Equal((true, 2), (retried.Created, retried.Version.Version));
    }

    [Fact]
    public async Task ACatalogThatCannotBeWritten_DoesNotFailTraining_AndTheModelIsListedByItsNextActivation()
    {
        var (dataset, model) = await DatasetAsync();
        var grain = Grains.GetGrain<IModelGrain>(model);

        using (fixture.Faults.FailWrites("catalog"))
        {
            await TrainToTheEndAsync(grain, model, dataset);
            Assert.DoesNotContain(model, await CatalogIndex.GetModelNamesAsync(Grains));
        }

        await fixture.Cluster.DeactivateAsync(grain);
        await grain.GetAsync();
        await Eventually.GetAsync(
            () => CatalogIndex.ListModelsAsync(Grains, CatalogIndex.MaxPageSize), page => page.Items.Any(m => m.Name == model), what: "the model to be listed");
    }

    [Fact]
    public async Task AnEndNoticeTheRegistryCouldNotStore_IsSentAgain_AndThenTheVersionServes()
    {
        var (dataset, model) = await DatasetAsync(rows: 3000);
        var grain = Grains.GetGrain<IModelGrain>(model);

        // The registry stores the new version; then the write that would take note of its end fails (whenever the job
        // ends: a fault switched on after the call returned would race a fast training), so the end notice is not stored.
        ModelVersionInfo done;
        using (fixture.Faults.FailWritesOf("model", model, s => s is ModelState { Pending.IsEmpty: true, Versions.IsEmpty: false }))
        {
            var queued = await grain.TrainAsync(new TrainingRequest(
                dataset, null, "label", Algorithm: TrainingAlgorithm.FastTree, Parameters: ImmutableDictionary<string, double>.Empty.Add("trees", 300)));
            done = await Eventually.GetAsync(() => Grains.GetModelVersion(model, queued.Version).GetAsync(), v => v.Status.IsTerminal(), TimeSpan.FromMinutes(3), "the job to end");
            Assert.Equal(TrainingStatus.Succeeded, done.Status);
            var refused = await Assert.ThrowsAsync<VersionNotReadyException>(() => PredictAsync(model, done.Version));
            Assert.Contains("has not taken note yet", refused.Message, StringComparison.Ordinal);
        }

        Assert.Equal([done.Version], (await Grains.GetGrain<IModelVersionListener>(model).GetPendingAsync()).ToArray());
        await Grains.GetModelVersion(model, done.Version).EnsureProgressingAsync();
        await Eventually.GetAsync(() => Grains.GetGrain<IModelVersionListener>(model).GetPendingAsync(), p => p.IsEmpty, what: "the notice to be stored");
        Assert.Equal(done.Version, (await PredictAsync(model)).Version);
        await grain.SetAliasAsync(ModelAliases.Production, done.Version);
    }

    [Fact]
    public async Task WhoMadeAChange_IsRecordedOnTheVersionTheAliasChangeAndTheDataset()
    {
        Caller.Set("alice");
        try
        {
            var (dataset, model) = await DatasetAsync();
            var grain = Grains.GetGrain<IModelGrain>(model);
            var version = await TrainToTheEndAsync(grain, model, dataset);
            var promoted = await grain.SetAliasAsync(ModelAliases.Production, version.Version);

            Assert.Equal("alice", version.CreatedBy);
            Assert.Equal("alice", promoted.Change.By);
            Assert.Equal("alice", (await grain.GetAsync()).Versions.Single().CreatedBy);
            Assert.Equal("alice", (await Grains.GetGrain<IDatasetGrain>(dataset).GetAsync()).Latest.CreatedBy);
        }
        finally
        {
            Caller.Set(null);
        }
    }

    private async Task AssertProductionAsync(string model, int version, int historyLength)
    {
        var info = await Grains.GetGrain<IModelGrain>(model).GetAsync();
        Assert.Equal(version, info.Aliases[ModelAliases.Production]);
        Assert.Equal(historyLength, info.AliasHistory.Length);
        var prediction = await PredictAsync(model);
        Assert.Equal((version, ModelAliases.Production), (prediction.Version, prediction.Alias));
    }

    /// <summary>Loads the model and its versions from storage again, as after a restart.</summary>
    private async Task ReloadAsync(string model, int versions)
    {
        await fixture.Cluster.DeactivateAsync(Grains.GetGrain<IModelGrain>(model));
        foreach (var version in Enumerable.Range(1, versions))
        {
            await fixture.Cluster.DeactivateAsync(Grains.GetModelVersion(model, version));
        }
    }

    private async Task<(string Dataset, string Model)> DatasetAsync(int rows = 300)
    {
        var (dataset, model) = (TestData.Name("fw-ds"), TestData.Name("fw-m"));
        await Grains.UploadDatasetAsync(dataset, TestData.Binary(rows));
        return (dataset, model);
    }

    private async Task<(string Model, IModelGrain Grain)> TrainAsync(params TrainingAlgorithm[] algorithms)
    {
        var (dataset, model) = await DatasetAsync();
        var grain = Grains.GetGrain<IModelGrain>(model);
        foreach (var algorithm in algorithms)
        {
            var queued = await grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: algorithm));
            Assert.Equal(TrainingStatus.Succeeded, (await Eventually.TerminalAsync(Grains, model, queued.Version)).Status);
        }

        return (model, grain);
    }

    private async Task<ModelVersionInfo> TrainToTheEndAsync(IModelGrain grain, string model, string dataset)
    {
        var queued = await Train(grain, dataset);
        var done = await Eventually.TerminalAsync(Grains, model, queued.Version);
        Assert.Equal(TrainingStatus.Succeeded, done.Status);
        return done;
    }

    private static Task<ModelVersionInfo> Train(IModelGrain grain, string dataset) =>
        grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.Linear));

    private Task<PredictionResult> PredictAsync(string model, int? version = null) =>
        Grains.GetGrain<IPredictorGrain>(model).PredictAsync(new PredictionRequest(
            [ImmutableDictionary<string, FeatureValue>.Empty.Add("x1", 1.0).Add("x2", 1.0).Add("color", "red")], version));
}
