using Microsoft.Extensions.Options;
using OrleansMl.Hosting;
using OrleansMl.Ml;
using OrleansMl.Predictions;
using OrleansMl.Storage;
using OrleansMl.Tests.Ml;

namespace OrleansMl.Tests.Predictions;

/// <summary>
/// The silo's loaded models are bounded by the bytes of their model files (<c>OrleansMl__ModelCacheMegabytes</c>):
/// loading past the bound unloads the least recently used, never the model just loaded. Real trained models, read
/// from a real artifact store.
/// </summary>
public sealed class ModelCacheTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "orleansml-cache-tests", Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task LoadedModels_StayWithinTheConfiguredBytes_DroppingTheLeastRecentlyUsed()
    {
        var (store, trained, receipt) = await StoredModelAsync(rows: 600, trees: 200);
        var size = trained.ModelBytes.Length;
        var cache = new ModelCache(store, Options.Create(new OrleansMlOptions { ModelCacheMegabytes = 1 }));
        var fits = (int)(cache.Capacity / size);
        Assert.True(fits is >= 2 and < 20, $"a model file of {size} bytes should make a 1 MB cache hold a few models, not {fits}");

        // Every version is the same file under another name: what counts is how many bytes the cache holds.
        Task<LoadedModel> Get(int version) => cache.GetAsync("m", version, () => Task.FromResult((receipt.ContentHash, trained.Signature)));
        var first = await Get(0);
        for (var version = 1; version < fits; version++)
        {
            await Get(version);
        }

        Assert.Equal(fits, cache.Count);
        Assert.Same(first, await Get(0)); // held, and now the most recently used
        await Get(fits); // one more than fits: version 1, the least recently used, goes

        Assert.Equal(fits, cache.Count);
        Assert.True(cache.Bytes <= cache.Capacity, $"{cache.Bytes} bytes held over a capacity of {cache.Capacity}");
        Assert.Same(first, await Get(0));
        var reloaded = await Get(1);
        Assert.Equal(fits, cache.Count);
        Assert.True(cache.Bytes <= cache.Capacity);
        Assert.NotNull(reloaded.Trees);
    }

    [Fact]
    public async Task AModelLargerThanTheCache_IsStillServed_AndHeldAlone()
    {
        var (store, trained, receipt) = await StoredModelAsync(rows: 2_000, trees: 2_000);
        Assert.True(trained.ModelBytes.Length > 1 << 20, $"the model file is {trained.ModelBytes.Length} bytes, not over 1 MB");
        var cache = new ModelCache(store, Options.Create(new OrleansMlOptions { ModelCacheMegabytes = 1 }));
        Task<LoadedModel> Get(int version) => cache.GetAsync("big", version, () => Task.FromResult((receipt.ContentHash, trained.Signature)));

        var one = await Get(1);
        var two = await Get(2);

        Assert.NotNull(one.CreatePredictor());
        Assert.Equal(1, cache.Count); // version 1 went when version 2 was loaded; version 2, just loaded, stays
        Assert.Same(two, await Get(2));
    }

    /// <summary>A FastTree model of <paramref name="trees"/> trees trained on <paramref name="rows"/> rows, put in a fresh artifact store.</summary>
    private async Task<(FileArtifactStore Store, TrainedModel Trained, UploadReceipt Receipt)> StoredModelAsync(int rows, int trees)
    {
        var store = new FileArtifactStore(_root);
        var trained = new ModelTrainer(new TrainerOptions()).Train(
            MlTestData.Frame(MlTestData.BinaryCsv(rows)),
            MlTestData.Spec("churned", algorithm: TrainingAlgorithm.FastTree, parameters: MlTestData.Parameters(("trees", trees))),
            null,
            CancellationToken.None);
        return (store, trained, await store.PutAsync(trained.ModelBytes));
    }
}
