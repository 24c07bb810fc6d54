using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using OrleansMl.Hosting;
using OrleansMl.Models;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Cluster;

/// <summary>
/// A model stored by the previous release (its registry held a copy of every version's state) is converted once, on its
/// first activation: the registry asks each version grain, starts again a version whose start was lost, and writes the
/// new shape. The stored bytes are written through the real grain storage with the previous release's shapes.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PreviousReleaseRegistryTests(ClusterFixture fixture)
{
    private IClusterClient Grains => fixture.Client;

    private IGrainStorage Storage => fixture.Cluster.Silos[0].SiloHost.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Grains);

    [Fact]
    public async Task AModelStoredTheOldWay_IsConvertedOnActivation_AndKeepsItsVersionsAliasesAndPredictions()
    {
        // A version trained by this release gives a real artifact for the old version to point at.
        var (dataset, source, model) = (TestData.Name("old-ds"), TestData.Name("old-src"), TestData.Name("old-m"));
        await Grains.UploadDatasetAsync(dataset, TestData.Binary(300));
        var trained = await Grains.GetGrain<IModelGrain>(source).TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.Linear));
        var real = await Eventually.TerminalAsync(Grains, source, trained.Version);
        Assert.Equal(TrainingStatus.Succeeded, real.Status);

        // Version 1 succeeded and is production; version 2 was recorded but its start was lost in a crash.
        var promoted = new PreviousAliasChange(ModelAliases.Production, "promote", null, 1, DateTimeOffset.UnixEpoch, "first");
        var previous = new PreviousModelState(
            [Entry(1, real, TrainingStatus.Succeeded), Entry(2, real, TrainingStatus.Queued) with { ArtifactHash = null, Signature = null }],
            ImmutableDictionary<string, int>.Empty.Add(ModelAliases.Production, 1),
            ImmutableDictionary<string, ImmutableArray<int>>.Empty,
            [promoted],
            real.CreatedAt,
            Revision: 3);
        await WriteAsync("model", Grains.GetGrain<IModelGrain>(model), previous);
        await WriteAsync("version", Grains.GetModelVersion(model, 1), new PreviousVersionState(PreviousModelVersionInfo.From(real, model, 1)));

        var grain = Grains.GetGrain<IModelGrain>(model);
        var info = await grain.GetAsync();

        Assert.Equal([1, 2], info.Versions.Select(v => v.Version));
        Assert.Equal(TrainingStatus.Succeeded, info.Versions[0].Status);
        Assert.Equal(1, info.Aliases[ModelAliases.Production]);
        Assert.Equal([("promote", (int?)null, 1, "first")], info.AliasHistory.Select(h => (h.Action, h.From, h.To, h.Reason)));
        Assert.Equal((1, ModelAliases.Production), Pick(await PredictAsync(model)));
        var restarted = await Eventually.TerminalAsync(Grains, model, 2);
        Assert.Equal((TrainingStatus.Succeeded, TrainingAlgorithm.Linear), (restarted.Status, restarted.Spec.Algorithm));

        var stored = await ReadAsync<ModelState>("model", grain);
        Assert.Empty(stored.LegacyVersions);
        Assert.Equal(3, stored.NextVersion);
        Assert.Equal([1, 2], stored.Versions.Keys);
        Assert.Equal(Guid.Empty, stored.Versions[1].Allocation);
        Assert.NotEqual(Guid.Empty, stored.Versions[2].Allocation);
        Assert.Contains(1, stored.Servable);

        var next = await grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.Linear));
        Assert.Equal(3, next.Version);
        Assert.Equal(TrainingStatus.Succeeded, (await Eventually.TerminalAsync(Grains, model, 3)).Status);
        await fixture.Cluster.DeactivateAsync(grain);
        Assert.Equal([1, 2, 3], (await grain.GetAsync()).Versions.Select(v => v.Version));
        Assert.Equal(3, (await PredictAsync(model, 3)).Version);
    }

    private static PreviousVersionEntry Entry(int version, ModelVersionInfo real, TrainingStatus status) => new(
        version, real.Spec, status, real.Algorithm, real.Metrics, real.CreatedAt, real.CompletedAt, real.ArtifactHash, real.Signature);

    private static (int, string?) Pick(PredictionResult result) => (result.Version, result.Alias);

    private Task<PredictionResult> PredictAsync(string model, int? version = null) =>
        Grains.GetGrain<IPredictorGrain>(model).PredictAsync(new PredictionRequest(
            [ImmutableDictionary<string, FeatureValue>.Empty.Add("x1", 1.0).Add("x2", 1.0).Add("color", "red")], version));

    private Task WriteAsync<T>(string stateName, IAddressable grain, T value) =>
        Storage.WriteStateAsync(stateName, grain.GetGrainId(), new GrainState<T>(value));

    private async Task<T> ReadAsync<T>(string stateName, IAddressable grain)
    {
        var state = new GrainState<T>();
        await Storage.ReadStateAsync(stateName, grain.GetGrainId(), state);
        return state.State!;
    }
}

// The shapes the previous release stored, field by field (the serializer matches fields by id, not by type name).

[GenerateSerializer, Immutable, Alias("OrleansMl.Tests.PreviousModelState")]
public sealed record PreviousModelState(
    [property: Id(0)] ImmutableArray<PreviousVersionEntry> Versions,
    [property: Id(1)] ImmutableDictionary<string, int> Aliases,
    [property: Id(2)] ImmutableDictionary<string, ImmutableArray<int>> AliasStacks,
    [property: Id(3)] ImmutableArray<PreviousAliasChange> History,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] long Revision = 0);

[GenerateSerializer, Immutable, Alias("OrleansMl.Tests.PreviousVersionEntry")]
public sealed record PreviousVersionEntry(
    [property: Id(0)] int Version,
    [property: Id(1)] TrainingSpec Spec,
    [property: Id(2)] TrainingStatus Status,
    [property: Id(3)] string? Algorithm,
    [property: Id(4)] ImmutableDictionary<string, double> Metrics,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] DateTimeOffset? CompletedAt,
    [property: Id(7)] string? ArtifactHash,
    [property: Id(8)] ModelSignature? Signature);

[GenerateSerializer, Immutable, Alias("OrleansMl.Tests.PreviousAliasChange")]
public sealed record PreviousAliasChange(
    [property: Id(0)] string Alias,
    [property: Id(1)] string Action,
    [property: Id(2)] int? From,
    [property: Id(3)] int To,
    [property: Id(4)] DateTimeOffset At,
    [property: Id(5)] string? Reason);

[GenerateSerializer, Immutable, Alias("OrleansMl.Tests.PreviousVersionState")]
public sealed record PreviousVersionState([property: Id(0)] PreviousModelVersionInfo Info);

[GenerateSerializer, Immutable, Alias("OrleansMl.Tests.PreviousModelVersionInfo")]
public sealed record PreviousModelVersionInfo(
    [property: Id(0)] string Model,
    [property: Id(1)] int Version,
    [property: Id(2)] TrainingStatus Status,
    [property: Id(3)] double Progress,
    [property: Id(4)] string Stage,
    [property: Id(5)] TrainingSpec Spec,
    [property: Id(6)] string? Algorithm,
    [property: Id(7)] ImmutableDictionary<string, double> Metrics,
    [property: Id(8)] TrainingTimings Timings,
    [property: Id(9)] string? Error,
    [property: Id(10)] ModelSignature? Signature,
    [property: Id(11)] string? ArtifactHash,
    [property: Id(12)] DateTimeOffset CreatedAt,
    [property: Id(13)] DateTimeOffset? StartedAt,
    [property: Id(14)] DateTimeOffset? CompletedAt,
    [property: Id(15)] int Attempts)
{
    public static PreviousModelVersionInfo From(ModelVersionInfo v, string model, int version) => new(
        model, version, v.Status, v.Progress, v.Stage, v.Spec, v.Algorithm, v.Metrics, v.Timings, v.Error, v.Signature,
        v.ArtifactHash, v.CreatedAt, v.StartedAt, v.CompletedAt, v.Attempts);
}
