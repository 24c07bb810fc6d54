using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Placement;
using OrleansMl.Hosting;
using OrleansMl.Ml;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Cluster;

[Collection(ThreeSiloCollection.Name)]
public sealed class MultiSiloTests(ThreeSiloFixture fixture)
{
    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task VersionsAndAliases_ReadTheSameFromEverySilo()
    {
        var (model, _) = await TrainAsync(TrainingAlgorithm.Linear, TrainingAlgorithm.LightGbm);
        await Client.GetGrain<IModelGrain>(model).SetAliasAsync("production", 2, "from the client");

        foreach (var silo in fixture.Cluster.Silos)
        {
            var info = await GrainsOn(silo).GetGrain<IModelGrain>(model).GetAsync();
            Assert.Equal(2, info.Aliases["production"]);
            Assert.Equal([TrainingStatus.Succeeded, TrainingStatus.Succeeded], info.Versions.Select(v => v.Status).ToArray());
        }
    }

    [Fact]
    public async Task PredictionReplicasOnEverySilo_FollowAPromotionAndARollbackOnTheirNextCall()
    {
        var (model, grain) = await TrainAsync(TrainingAlgorithm.Linear, TrainingAlgorithm.LightGbm);
        await grain.SetAliasAsync("production", 1);
        var replicas = fixture.Cluster.Silos.Select(s => GrainsOn(s).GetGrain<IPredictorGrain>(model)).ToList();
        Assert.All(await Task.WhenAll(replicas.Select(PredictAsync)), r => Assert.Equal(1, r.Version));

        await grain.SetAliasAsync("production", 2);
        Assert.All(await Task.WhenAll(replicas.Select(PredictAsync)), r => Assert.Equal(2, r.Version));

        await grain.RollbackAliasAsync("production");
        Assert.All(await Task.WhenAll(replicas.Select(PredictAsync)), r => Assert.Equal(1, r.Version));
        Assert.True(
            (await Client.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics()).Count(s => s.GrainType.Contains("Predictor", StringComparison.Ordinal)) >= 2,
            "prediction replicas should run on several silos");
    }

    [Fact]
    public async Task Training_RunsOnTheSiloThatCachesTheDataset()
    {
        var (model, grain) = await TrainAsync(TrainingAlgorithm.Linear, TrainingAlgorithm.FastTree);
        var dataset = (await grain.GetVersionAsync(1)).Spec.Dataset;
        var management = Client.GetGrain<IManagementGrain>(0);

        var datasetSilo = await management.GetActivationAddress(Client.GetGrain<IDatasetGrain>(dataset));
        foreach (var version in new[] { 1, 2 })
        {
            var info = await grain.GetVersionAsync(version);
            Assert.True(info.Timings.DataCacheHit, $"v{version} parsed the CSV again");
            Assert.Equal(datasetSilo, await management.GetActivationAddress(Client.GetModelVersion(model, version)));
        }

        Assert.Equal(0, (await Client.GetGrain<IDatasetGrain>(dataset).GetCacheStatsAsync()).Misses);
    }

    /// <summary>
    /// An auto training's cross-validation fits run on the other silos' free training slots too, each of which prepares
    /// the search from its own cached copy of the dataset; the model is the one the same search chooses in one process,
    /// to the last digit of every metric.
    /// </summary>
    [Fact]
    public async Task AutoTraining_SpreadsItsFitsOverTheOtherSilos_AndChoosesTheSameModel()
    {
        var (dataset, model) = (TestData.Name("spread-ds"), TestData.Name("spread-m"));
        var csv = TestData.Binary(3000);
        await Client.UploadDatasetAsync(dataset, csv);
        var grain = Client.GetGrain<IModelGrain>(model);
        var queued = await grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.Auto));
        var done = await Eventually.TerminalAsync(Client, model, queued.Version);

        Assert.Equal(TrainingStatus.Succeeded, done.Status);
        Assert.True(done.Timings.RemoteTrials > 0, "no fit ran on another silo");
        Assert.InRange(done.Timings.SearchMs, 1, done.Timings.TrainingMs);

        var alone = new ModelTrainer(new TrainerOptions { Threads = new OrleansMlOptions { TrainingConcurrency = 1 }.EffectiveTrainingThreads })
            .Train(OrleansMl.Tests.Ml.MlTestData.Frame(csv), done.Spec, null, CancellationToken.None);
        Assert.Equal(alone.Algorithm, done.Algorithm);
        Assert.Equal(alone.Metrics, done.Metrics);
    }

    /// <summary>
    /// A silo whose training slots are all taken declines fits at once: with every other silo busy, the search runs all
    /// its fits itself, without waiting for a slot elsewhere, and chooses the same model.
    /// </summary>
    [Fact]
    public async Task AutoTraining_RunsEveryFitItself_WhenTheOtherSilosHaveNoFreeSlot()
    {
        var (dataset, model) = (TestData.Name("busy-ds"), TestData.Name("busy-m"));
        var csv = TestData.Binary(1500, seed: 5);
        await Client.UploadDatasetAsync(dataset, csv);
        var trainingSilo = await Client.GetGrain<IManagementGrain>(0).GetActivationAddress(Client.GetGrain<IDatasetGrain>(dataset));
        var held = fixture.Cluster.Silos
            .Where(s => !s.SiloAddress.Equals(trainingSilo))
            .Select(s => s.SiloHost.Services.GetRequiredService<Work.TrainingWorker>().TryAcquire())
            .ToList();
        try
        {
            Assert.All(held, Assert.NotNull);
            var grain = Client.GetGrain<IModelGrain>(model);
            var queued = await grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.Auto));
            var done = await Eventually.TerminalAsync(Client, model, queued.Version);

            Assert.Equal(TrainingStatus.Succeeded, done.Status);
            Assert.Equal(0, done.Timings.RemoteTrials);
            var alone = new ModelTrainer(new TrainerOptions { Threads = new OrleansMlOptions { TrainingConcurrency = 1 }.EffectiveTrainingThreads })
                .Train(OrleansMl.Tests.Ml.MlTestData.Frame(csv), done.Spec, null, CancellationToken.None);
            Assert.Equal(alone.Algorithm, done.Algorithm);
            Assert.Equal(alone.Metrics, done.Metrics);
        }
        finally
        {
            held.ForEach(lease => lease?.Dispose());
        }
    }

    [Fact]
    public async Task KillingTheSiloThatTrains_StillEndsTheJobInATerminalState()
    {
        // Put the dataset (and so the training, placed next to it) on a secondary silo, then kill that silo mid-fit.
        var victim = fixture.Cluster.Silos[^1];
        var (dataset, model) = (TestData.Name("kill-ds"), TestData.Name("kill-m"));
        RequestContext.Set(IPlacementDirector.PlacementHintKey, victim.SiloAddress);
        try
        {
            await Client.UploadDatasetAsync(dataset, TestData.Binary(3000));
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }

        var grain = Client.GetGrain<IModelGrain>(model);
        var parameters = ImmutableDictionary<string, double>.Empty.Add("trees", 2000).Add("leaves", 8);
        var queued = await grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.FastTree, Parameters: parameters));
        await Eventually.GetAsync(() => grain.GetVersionAsync(queued.Version), v => v.Status == TrainingStatus.Running, what: "the job to run");
        Assert.Equal(victim.SiloAddress, await Client.GetGrain<IManagementGrain>(0).GetActivationAddress(Client.GetModelVersion(model, queued.Version)));

        await fixture.Cluster.KillSiloAsync(victim);
        var done = await Eventually.GetAsync(
            async () =>
            {
                try
                {
                    return await grain.GetVersionAsync(queued.Version);
                }
                catch (Exception ex) when (ex is OrleansMessageRejectionException or SiloUnavailableException or TimeoutException)
                {
                    return null; // The failover window: calls to the dead silo's grains are rejected until it is evicted.
                }
            },
            v => v is { } info && info.Status.IsTerminal(),
            TimeSpan.FromSeconds(120),
            "the interrupted job to end");

        Assert.Equal(TrainingStatus.Succeeded, done!.Status);
        Assert.Equal(2, done.Attempts);
        await fixture.Cluster.StartAdditionalSiloAsync();
    }

    private async Task<(string Model, IModelGrain Grain)> TrainAsync(params TrainingAlgorithm[] algorithms)
    {
        var (dataset, model) = (TestData.Name("ms-ds"), TestData.Name("ms-m"));
        await Client.UploadDatasetAsync(dataset, TestData.Binary(300));
        var grain = Client.GetGrain<IModelGrain>(model);
        foreach (var algorithm in algorithms)
        {
            var queued = await grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: algorithm));
            Assert.Equal(TrainingStatus.Succeeded, (await Eventually.TerminalAsync(Client, model, queued.Version)).Status);
        }

        return (model, grain);
    }

    private static Task<PredictionResult> PredictAsync(IPredictorGrain predictor) =>
        predictor.PredictAsync(new PredictionRequest([ImmutableDictionary<string, FeatureValue>.Empty.Add("x1", 1.0).Add("x2", 1.0).Add("color", "red")]));

    private static IGrainFactory GrainsOn(Orleans.TestingHost.InProcessSiloHandle silo) => silo.SiloHost.Services.GetRequiredService<IGrainFactory>();
}
