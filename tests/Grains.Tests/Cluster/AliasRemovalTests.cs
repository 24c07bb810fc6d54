using System.Collections.Immutable;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Cluster;

/// <summary>Removing an alias: what goes with it, what refuses it, and what predictions do afterwards.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AliasRemovalTests(ClusterFixture fixture) : IDisposable
{
    private IClusterClient Grains => fixture.Client;

    public void Dispose() => fixture.Faults.Clear();

    [Fact]
    public async Task RemoveAlias_TakesItsRollbackStackAndGuard_RecordsTheRemoval_AndItsVersionsCanThenBeDeleted()
    {
        var (model, grain) = await TrainedModels.LinearThenLightGbmAsync(Grains, "ar-");
        await grain.SetAliasAsync(ModelAliases.Production, 2);
        await grain.SetAliasAsync("stagign", 1, "typo");
        await grain.SetAliasAsync("stagign", 2);
        await grain.SetAliasGuardAsync("stagign", new RolloutGuard("accuracy", MaxDrop: 0.02, MinSamples: 50));
        await Assert.ThrowsAsync<VersionInUseException>(() => grain.DeleteVersionAsync(1));

        var removed = await grain.RemoveAliasAsync("stagign", "mistyped");

        Assert.Equal((model, "stagign", 2), (removed.Model, removed.Alias, removed.Version));
        Assert.Equal(("remove", 2, 2, "mistyped"), (removed.Change.Action, removed.Change.From, removed.Change.To, removed.Change.Reason));
        Assert.Equal(ImmutableDictionary<string, int>.Empty.Add(ModelAliases.Production, 2), removed.Aliases);
        var info = await grain.GetAsync();
        Assert.False(info.Aliases.ContainsKey("stagign"));
        Assert.Equal(
            [("promote", null, 2), ("promote", null, 1), ("promote", 1, 2), ("remove", 2, 2)],
            info.AliasHistory.Select(h => (h.Action, h.From, h.To)).ToArray());
        await Eventually.GetAsync(
            () => CatalogIndex.ListModelsAsync(Grains, CatalogIndex.MaxPageSize),
            page => page.Items.Any(m => m.Name == model && !m.Aliases.ContainsKey("stagign")),
            what: "the listing to drop the alias");

        // Nothing of the old alias comes back with a new one of the same name: no stack to roll back to, no guard.
        await grain.SetAliasAsync("stagign", 1);
        await Assert.ThrowsAsync<RollbackUnavailableException>(() => grain.RollbackAliasAsync("stagign"));
        Assert.Null((await grain.RemoveAliasGuardAsync("stagign")).Guard);
        await grain.RemoveAliasAsync("stagign");

        await grain.DeleteVersionAsync(1);
        Assert.Equal([2], (await grain.GetAsync()).Versions.Select(v => v.Version));
    }

    [Fact]
    public async Task ThroughARemovedAlias_APredictionIsRefusedNamingIt_AndASecondRemovalIsNotFound()
    {
        var (model, grain) = await TrainedModels.LinearThenLightGbmAsync(Grains, "ar-");
        await grain.SetAliasAsync("staging", 1);
        Assert.Equal((1, "staging"), Answer(await PredictAsync(model, "staging")));

        await grain.RemoveAliasAsync("staging");

        var predicted = await Assert.ThrowsAsync<AliasNotFoundException>(() => PredictAsync(model, "staging"));
        var again = await Assert.ThrowsAsync<AliasNotFoundException>(() => grain.RemoveAliasAsync("staging"));
        Assert.Contains("has no alias 'staging'", predicted.Message, StringComparison.Ordinal);
        Assert.Contains("has no alias 'staging'", again.Message, StringComparison.Ordinal);
        Assert.Single((await grain.GetAsync()).AliasHistory, h => h.Action == "remove");
    }

    [Fact]
    public async Task RemovingProduction_LeavesPredictionsWithoutAnAlias_OnTheNewestSucceededVersion()
    {
        var (model, grain) = await TrainedModels.LinearThenLightGbmAsync(Grains, "ar-");
        await grain.SetAliasAsync(ModelAliases.Production, 1);
        Assert.Equal((1, ModelAliases.Production), Answer(await PredictAsync(model)));

        await grain.RemoveAliasAsync(ModelAliases.Production);

        Assert.Equal((2, (string?)null), Answer(await PredictAsync(model)));
        await Assert.ThrowsAsync<AliasNotFoundException>(() => PredictAsync(model, ModelAliases.Production));
    }

    [Fact]
    public async Task RemoveAlias_IsRefused_UnderARollout_ForAScheduleThatRollsOutAgainstIt_AndForUnknownNames()
    {
        var (model, grain) = await TrainedModels.LinearThenLightGbmAsync(Grains, "ar-");
        await grain.SetAliasAsync(ModelAliases.Production, 1);
        await grain.SetAliasAsync("canary", 1);
        await grain.StartRolloutAsync(new RolloutRequest(2, Mode: RolloutMode.Shadow));
        var schedule = Grains.GetGrain<IModelScheduleGrain>(model);
        await schedule.SetAsync(new ScheduleRequest(TimeSpan.FromDays(1), (await grain.GetVersionAsync(1)).Spec.Dataset, "label",
            TrainingAlgorithm.Linear, Then: ScheduleThen.Rollout, Rollout: new ScheduleRollout("canary", RolloutMode.Canary, [50, 100])));

        var rolling = await Assert.ThrowsAsync<RolloutInProgressException>(() => grain.RemoveAliasAsync(ModelAliases.Production));
        var scheduled = await Assert.ThrowsAsync<AliasInUseException>(() => grain.RemoveAliasAsync("canary"));
        var unknown = await Assert.ThrowsAsync<AliasNotFoundException>(() => grain.RemoveAliasAsync("nope"));
        await Assert.ThrowsAsync<InvalidNameException>(() => grain.RemoveAliasAsync("no way"));
        await Assert.ThrowsAsync<ModelNotFoundException>(() => Grains.GetGrain<IModelGrain>(TestData.Name("ghost")).RemoveAliasAsync("staging"));

        Assert.Contains("rollout of version 2 against version 1 is running on alias 'production'", rolling.Message, StringComparison.Ordinal);
        Assert.Contains("its schedule rolls each version it trains out against it", scheduled.Message, StringComparison.Ordinal);
        Assert.Contains("has no alias 'nope'. Known aliases: canary, production.", unknown.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await grain.GetAsync()).Aliases.Count);

        await grain.AbortRolloutAsync();
        await schedule.DeleteAsync();
        await grain.RemoveAliasAsync(ModelAliases.Production);
        await grain.RemoveAliasAsync("canary");
        Assert.Empty((await grain.GetAsync()).Aliases);
    }

    [Fact]
    public async Task FailedRemoval_LeavesTheAliasItsStackAndPredictions_AsBefore_AlsoAfterAReload()
    {
        var (model, grain) = await TrainedModels.LinearThenLightGbmAsync(Grains, "ar-");
        await grain.SetAliasAsync("staging", 1);
        await grain.SetAliasAsync("staging", 2);

        using (fixture.Faults.FailWrites("model", model))
        {
            await Assert.ThrowsAsync<StorageUnavailableException>(() => grain.RemoveAliasAsync("staging"));
            Assert.Equal((2, "staging"), Answer(await PredictAsync(model, "staging")));
        }

        await fixture.Cluster.DeactivateAsync(grain);
        var info = await grain.GetAsync();
        Assert.Equal(2, info.Aliases["staging"]);
        Assert.DoesNotContain(info.AliasHistory, h => h.Action == "remove");
        Assert.Equal(1, (await grain.RollbackAliasAsync("staging")).Version);
        Assert.Equal((1, "staging"), Answer(await PredictAsync(model, "staging")));
    }

    private Task<PredictionResult> PredictAsync(string model, string? alias = null) =>
        Grains.GetGrain<IPredictorGrain>(model).PredictAsync(new PredictionRequest(
            [ImmutableDictionary<string, FeatureValue>.Empty.Add("x1", 1.0).Add("x2", 1.0).Add("color", "red")], Alias: alias));

    private static (int Version, string? Alias) Answer(PredictionResult result) => (result.Version, result.Alias);
}
