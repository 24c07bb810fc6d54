using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using OrleansMl.Storage;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Cluster;

/// <summary>Deleting model and dataset versions, and the artifact store keeping only what is referenced (embedded mode).</summary>
[Collection(ClusterCollection.Name)]
public sealed class DeleteTests(ClusterFixture fixture)
{
    private IClusterClient Grains => fixture.Client;

    private IArtifactStore Artifacts => fixture.Artifacts;

    [Fact]
    public async Task DeletingAModelVersion_RemovesItAndItsModelFile_AndItsNumberIsNeverGivenAgain()
    {
        var (dataset, model) = await DatasetAsync();
        var grain = Grains.GetGrain<IModelGrain>(model);
        var first = await TrainAsync(grain, model, dataset, seed: 1);
        var second = await TrainAsync(grain, model, dataset, seed: 2);
        Assert.NotEqual(first.ArtifactHash, second.ArtifactHash);

        await grain.DeleteVersionAsync(1);
        await grain.DeleteVersionAsync(1);

        var gone = await Assert.ThrowsAsync<ModelVersionNotFoundException>(() => grain.GetVersionAsync(1));
        Assert.Contains("has no version 1: it was deleted", gone.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<FileNotFoundException>(() => Artifacts.OpenReadAsync(first.ArtifactHash!));
        (await Artifacts.OpenReadAsync(second.ArtifactHash!)).Dispose();
        await Assert.ThrowsAsync<ModelVersionNotFoundException>(() => Predict(model, 1));
        Assert.Equal(2, (await Predict(model, null)).Version);
        Assert.Equal([2], (await grain.GetAsync()).Versions.Select(v => v.Version));
        await Eventually.GetAsync(
            () => CatalogIndex.ListModelsAsync(Grains, CatalogIndex.MaxPageSize),
            page => page.Items.Any(m => m.Name == model && m.VersionCount == 1),
            what: "the listing to count one version");
        Assert.Equal(3, (await TrainAsync(grain, model, dataset, seed: 3)).Version);
    }

    [Fact]
    public async Task DeletingTheOnlyVersion_LeavesAModelWithNoVersions_ThatTrainingRevives()
    {
        var (dataset, model) = await DatasetAsync();
        var grain = Grains.GetGrain<IModelGrain>(model);
        await TrainAsync(grain, model, dataset, seed: 1);

        await grain.DeleteVersionAsync(1);

        var version = await Assert.ThrowsAsync<ModelNotFoundException>(() => grain.GetVersionAsync(1));
        var info = await Assert.ThrowsAsync<ModelNotFoundException>(() => grain.GetAsync());
        Assert.Contains("has no versions left: all were deleted", version.Message, StringComparison.Ordinal);
        Assert.Contains("has no versions left", info.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await TrainAsync(grain, model, dataset, seed: 2)).Version);
    }

    [Fact]
    public async Task AVersionThatAnAliasUsesOrReturnsTo_OrThatIsStillTraining_IsNotDeleted()
    {
        var (dataset, model) = await DatasetAsync(3000);
        var grain = Grains.GetGrain<IModelGrain>(model);
        await TrainAsync(grain, model, dataset, seed: 1);
        await TrainAsync(grain, model, dataset, seed: 2);
        await grain.SetAliasAsync(ModelAliases.Production, 1);
        await grain.SetAliasAsync(ModelAliases.Production, 2);
        var running = await grain.TrainAsync(new TrainingRequest(
            dataset, null, "label", Algorithm: TrainingAlgorithm.FastTree, Parameters: ImmutableDictionary<string, double>.Empty.Add("trees", 10_000).Add("leaves", 16)));

        var aliased = await Assert.ThrowsAsync<VersionInUseException>(() => grain.DeleteVersionAsync(2));
        var stacked = await Assert.ThrowsAsync<VersionInUseException>(() => grain.DeleteVersionAsync(1));
        var training = await Assert.ThrowsAsync<VersionInUseException>(() => grain.DeleteVersionAsync(running.Version));
        await grain.CancelAsync(running.Version);

        Assert.Contains("alias 'production' points at it", aliased.Message, StringComparison.Ordinal);
        Assert.Contains("alias 'production' returns to it on rollback", stacked.Message, StringComparison.Ordinal);
        Assert.Contains("cancel it first", training.Message, StringComparison.Ordinal);
        Assert.Equal([1, 2, 3], (await grain.GetAsync()).Versions.Select(v => v.Version));

        await grain.RollbackAliasAsync(ModelAliases.Production);
        await grain.SetAliasAsync(ModelAliases.Production, 2);
        await Eventually.GetAsync(() => Grains.GetGrain<Models.IModelVersionListener>(model).GetPendingAsync(), p => p.IsEmpty, what: "the cancellation to be noted");
        await grain.DeleteVersionAsync(running.Version);
        var stillStacked = await Assert.ThrowsAsync<VersionInUseException>(() => grain.DeleteVersionAsync(1));
        Assert.Contains("returns to it on rollback", stillStacked.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeletingADatasetVersion_IsRefusedWhileAModelVersionWasTrainedOnIt_ThenKeepsItsLineage_AndRemovesTheCsv()
    {
        // Rows no other test uploads: identical content elsewhere would (rightly) keep the CSV stored.
        var (dataset, model) = await DatasetAsync(seed: 4242);
        var grain = Grains.GetGrain<IModelGrain>(model);
        var trained = await TrainAsync(grain, model, dataset, seed: 1);
        var datasets = Grains.GetGrain<IDatasetGrain>(dataset);
        var hash = (await datasets.GetVersionAsync(1)).ContentHash;

        var refused = await Assert.ThrowsAsync<VersionInUseException>(() => datasets.DeleteVersionAsync(1));
        await grain.DeleteVersionAsync(trained.Version);
        var deleted = await datasets.DeleteVersionAsync(1);

        Assert.Contains($"model '{model}' version 1 was trained on it", refused.Message, StringComparison.Ordinal);
        Assert.NotNull(deleted.DeletedAt);
        Assert.Equal(hash, (await datasets.GetVersionAsync(1)).ContentHash);
        Assert.Empty((await datasets.PreviewAsync(1)).SampleRows);
        await Assert.ThrowsAsync<FileNotFoundException>(() => Artifacts.OpenReadAsync(hash));
        var retrain = await Assert.ThrowsAsync<DatasetNotFoundException>(() => grain.TrainAsync(new TrainingRequest(dataset, 1, "label", Algorithm: TrainingAlgorithm.Linear)));
        Assert.Contains("was deleted", retrain.Message, StringComparison.Ordinal);
        await Eventually.GetAsync(
            () => CatalogIndex.ListDatasetsAsync(Grains, CatalogIndex.MaxPageSize),
            page => page.Items.All(d => d.Name != dataset),
            what: "the dataset to leave the listing");

        // The same rows again make a new version; the deleted one stays deleted.
        var again = await Grains.UploadDatasetAsync(dataset, TestData.Binary(300, seed: 4242));
        Assert.Equal((true, 2), (again.Created, again.Version.Version));
        Assert.NotNull((await datasets.GetVersionAsync(1)).DeletedAt);
        (await Artifacts.OpenReadAsync(hash)).Dispose();
    }

    [Fact]
    public async Task DeletingADatasetVersion_IsRefusedWhileATrainingOnItIsBeingAccepted_AndTheTrainingKeepsItsRows()
    {
        var (dataset, model) = await DatasetAsync(seed: 4343);
        var datasets = Grains.GetGrain<IDatasetGrain>(dataset);
        Task<ModelVersionInfo> accepting;
        VersionInUseException refused;

        // The training is paused at the registry's write: it resolved the dataset version, but no lineage names it yet.
        using (var hold = fixture.Faults.HoldWrites("model", model))
        {
            accepting = Grains.GetGrain<IModelGrain>(model).TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.Linear));
            await hold.Reached.WaitAsync(TimeSpan.FromSeconds(30));
            refused = await Assert.ThrowsAsync<VersionInUseException>(() => datasets.DeleteVersionAsync(1));
        }

        var queued = await accepting;
        var done = await Eventually.TerminalAsync(Grains, model, queued.Version);

        Assert.Contains($"a training of model '{model}' is being accepted on it", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Try again in a moment", refused.Message, StringComparison.Ordinal);
        Assert.Equal((TrainingStatus.Succeeded, 1), (done.Status, done.Spec.DatasetVersion));
        Assert.Null((await datasets.GetVersionAsync(1)).DeletedAt);
        var trainedOn = await Assert.ThrowsAsync<VersionInUseException>(() => datasets.DeleteVersionAsync(1));
        Assert.Contains($"model '{model}' version 1 was trained on it", trainedOn.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATrainingThatIsNotAccepted_LeavesItsDatasetVersionFreeToDelete()
    {
        var (dataset, model) = await DatasetAsync(seed: 4444);
        var grain = Grains.GetGrain<IModelGrain>(model);
        using (fixture.Faults.FailWrites("model", model))
        {
            await Assert.ThrowsAsync<StorageUnavailableException>(
                () => grain.TrainAsync(new TrainingRequest(dataset, 1, "label", Algorithm: TrainingAlgorithm.Linear)));
        }

        await Assert.ThrowsAsync<InvalidTrainingRequestException>(() => grain.TrainAsync(new TrainingRequest(dataset, null, "no_such_column")));

        var deleted = await Grains.GetGrain<IDatasetGrain>(dataset).DeleteVersionAsync(1);
        Assert.NotNull(deleted.DeletedAt);
    }

    [Fact]
    public async Task ContentSharedByTwoDatasetVersions_StaysUntilTheLastOneIsDeleted()
    {
        var (one, two) = (TestData.Name("del-a"), TestData.Name("del-b"));
        var csv = TestData.Binary(200, seed: 11);
        var hash = (await Grains.UploadDatasetAsync(one, csv)).Version.ContentHash;
        await Grains.UploadDatasetAsync(two, csv);

        await Grains.GetGrain<IDatasetGrain>(one).DeleteVersionAsync(1);
        (await Artifacts.OpenReadAsync(hash)).Dispose();
        await Grains.GetGrain<IDatasetGrain>(two).DeleteVersionAsync(1);

        await Assert.ThrowsAsync<FileNotFoundException>(() => Artifacts.OpenReadAsync(hash));
    }

    [Fact]
    public async Task TwentyRejectedUploads_LeaveTheArtifactStoreAsItWas()
    {
        var name = TestData.Name("rejected");
        var valid = TestData.Binary(50);
        string[] bad =
        [
            "a,b\n1,2\n3\n", "a,a\n1,2\n", "", "a,b\n", "x,y\n1,\0\n", "a\n" + new string('7', 40_000) + "\n",
            "id,n\n" + string.Concat(Enumerable.Range(0, 20).Select(i => $"{i},{i}\n")) + "21,twelve\n",
        ];
        var before = await Artifacts.GetUsageAsync();

        for (var i = 0; i < 20; i++)
        {
            var csv = i == 19 ? new string('z', 3 << 20) : bad[i % bad.Length] + (i < bad.Length ? string.Empty : $"\n{new string(' ', i)}");
            await Assert.ThrowsAnyAsync<OrleansMlException>(() => Grains.UploadDatasetAsync(name, csv));
        }

        Assert.Equal(before, await Artifacts.GetUsageAsync());
        await Assert.ThrowsAsync<DatasetNotFoundException>(() => Grains.GetGrain<IDatasetGrain>(name).GetAsync());
        Assert.True((await Grains.UploadDatasetAsync(name, valid)).Created);
    }

    [Fact]
    public async Task TheSweep_ReleasesAReferenceItsOwnerDoesNotHold_AndConfirmsOneItDoes()
    {
        var held = TestData.Name("sweep-held");
        var upload = await Grains.UploadDatasetAsync(held, TestData.Binary(80, seed: 21));
        var heldHash = upload.Version.ContentHash;
        var orphan = System.Text.Encoding.UTF8.GetBytes("orphaned bytes " + Guid.NewGuid());
        var orphanHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(orphan));
        await Artifacts.AddReferenceAsync(orphanHash, ArtifactOwners.Dataset(TestData.Name("never-written"), 1));
        await Artifacts.PutAsync(orphan);

        // As if the owner's confirmation had failed, and both references were old.
        var refs = Path.Combine(fixture.DataDirectory, "artifacts", "refs");
        var heldRef = Path.Combine(refs, heldHash[..2], heldHash, $"dataset~{held}~1");
        File.Move(heldRef, heldRef + ".pending");
        foreach (var file in Directory.EnumerateFiles(refs, "*.pending", SearchOption.AllDirectories))
        {
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddHours(-2));
        }

        await fixture.Cluster.Silos[0].SiloHost.Services.GetRequiredService<ArtifactSweeper>().SweepOnceAsync();

        Assert.True(File.Exists(heldRef));
        (await Artifacts.OpenReadAsync(heldHash)).Dispose();
        await Assert.ThrowsAsync<FileNotFoundException>(() => Artifacts.OpenReadAsync(orphanHash));
    }

    private Task<PredictionResult> Predict(string model, int? version) =>
        Grains.GetGrain<IPredictorGrain>(model).PredictAsync(new PredictionRequest(
            [ImmutableDictionary<string, FeatureValue>.Empty.Add("x1", FeatureValue.FromNumber(0.5)).Add("x2", FeatureValue.FromNumber(-1)).Add("color", FeatureValue.FromString("red"))],
            version));

    private async Task<ModelVersionInfo> TrainAsync(IModelGrain grain, string model, string dataset, int seed)
    {
        var queued = await grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.Linear, Seed: seed));
        var done = await Eventually.TerminalAsync(Grains, model, queued.Version);
        Assert.Equal(TrainingStatus.Succeeded, done.Status);
        return done;
    }

    private async Task<(string Dataset, string Model)> DatasetAsync(int rows = 300, int seed = 1)
    {
        var (dataset, model) = (TestData.Name("del-ds"), TestData.Name("del-m"));
        await Grains.UploadDatasetAsync(dataset, TestData.Binary(rows, seed));
        return (dataset, model);
    }
}
