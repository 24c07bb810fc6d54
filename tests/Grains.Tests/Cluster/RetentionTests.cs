using OrleansMl.Storage;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Cluster;

/// <summary>Retention (<c>OrleansMl__KeepVersions</c> = 2): old versions no alias uses are deleted with their model files.</summary>
[Collection(RetentionCollection.Name)]
public sealed class RetentionTests(RetentionFixture fixture)
{
    private IClusterClient Grains => fixture.Client;

    [Fact]
    public async Task OnlyTheNewestUnaliasedVersions_AreKept_WithEveryAliasedOne()
    {
        var (dataset, model) = (TestData.Name("ret-ds"), TestData.Name("ret-m"));
        await Grains.UploadDatasetAsync(dataset, TestData.Binary(300));
        var grain = Grains.GetGrain<IModelGrain>(model);
        var trained = new List<ModelVersionInfo>();
        for (var seed = 1; seed <= 5; seed++)
        {
            var queued = await grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.Linear, Seed: seed));
            trained.Add(await Eventually.TerminalAsync(Grains, model, queued.Version));
            if (seed == 1)
            {
                await grain.SetAliasAsync(ModelAliases.Production, 1);
            }
        }

        // Version 5's own end never deletes it; the newest two unaliased (4, 5) stay, with 1 (production).
        var kept = await Eventually.GetAsync(
            async () => (await grain.GetAsync()).Versions.Select(v => v.Version).ToArray(), v => v.SequenceEqual([1, 4, 5]), what: "versions 2 and 3 to go");

        Assert.Equal([1, 4, 5], kept);
        await Assert.ThrowsAsync<FileNotFoundException>(() => fixture.Artifacts.OpenReadAsync(trained[1].ArtifactHash!));
        await Assert.ThrowsAsync<FileNotFoundException>(() => fixture.Artifacts.OpenReadAsync(trained[2].ArtifactHash!));
        (await fixture.Artifacts.OpenReadAsync(trained[0].ArtifactHash!)).Dispose();
        (await fixture.Artifacts.OpenReadAsync(trained[4].ArtifactHash!)).Dispose();
    }
}
