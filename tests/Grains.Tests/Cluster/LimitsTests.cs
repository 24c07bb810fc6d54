using System.Collections.Immutable;
using OrleansMl.Models;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Cluster;

/// <summary>Each per-model and per-cluster limit of the registry, at its bound and just past it, on a silo with small limits.</summary>
[Collection(LimitsCollection.Name)]
public sealed class LimitsTests(LimitsFixture fixture)
{
    private static readonly ImmutableDictionary<string, double> LongFit =
        ImmutableDictionary<string, double>.Empty.Add("trees", 10_000).Add("leaves", 16);

    private IClusterClient Grains => fixture.Client;

    [Fact]
    public async Task TrainingsQueuedForAModel_UpToTheLimit_AreAccepted_AndOneMoreIsRefused_AllocatingNothing()
    {
        await QueueEmptyAsync();
        var (dataset, model) = await DatasetAsync(3000);
        var grain = Grains.GetGrain<IModelGrain>(model);
        var started = new List<int>();
        for (var i = 0; i < LimitsFixture.QueuedPerModel; i++)
        {
            started.Add((await grain.TrainAsync(Long(dataset))).Version);
        }

        var refused = await Assert.ThrowsAsync<TrainingQueueFullException>(() => grain.TrainAsync(Quick(dataset)));

        Assert.Equal(ModelGrain.QueueRetryAfterSeconds, refused.RetryAfterSeconds);
        Assert.Contains($"already has {LimitsFixture.QueuedPerModel} trainings queued or running", refused.Message, StringComparison.Ordinal);
        Assert.Contains("OrleansMl__MaxQueuedTrainingsPerModel", refused.Message, StringComparison.Ordinal);
        Assert.Equal(started, (await grain.GetAsync()).Versions.Select(v => v.Version));

        await CancelAllAsync(model, started);
        var next = await grain.TrainAsync(Quick(dataset));
        Assert.Equal(LimitsFixture.QueuedPerModel + 1, next.Version);
        Assert.Equal(TrainingStatus.Succeeded, (await Eventually.TerminalAsync(Grains, model, next.Version)).Status);
    }

    [Fact]
    public async Task TrainingsQueuedInTheCluster_UpToTheLimit_AreAccepted_AndOneMoreIsRefused()
    {
        await QueueEmptyAsync();
        var (dataset, first) = await DatasetAsync(3000);
        var second = TestData.Name("lim-m2");
        var third = TestData.Name("lim-m3");
        var firstVersions = new List<int>();
        var secondVersions = new List<int>();
        for (var i = 0; i < LimitsFixture.QueuedPerModel; i++)
        {
            firstVersions.Add((await Grains.GetGrain<IModelGrain>(first).TrainAsync(Long(dataset))).Version);
        }

        for (var i = LimitsFixture.QueuedPerModel; i < LimitsFixture.QueuedInCluster; i++)
        {
            secondVersions.Add((await Grains.GetGrain<IModelGrain>(second).TrainAsync(Long(dataset))).Version);
        }

        var refused = await Assert.ThrowsAsync<TrainingQueueFullException>(() => Grains.GetGrain<IModelGrain>(third).TrainAsync(Quick(dataset)));

        Assert.Contains($"The cluster already has {LimitsFixture.QueuedInCluster} trainings queued or running", refused.Message, StringComparison.Ordinal);
        Assert.Contains("OrleansMl__MaxQueuedTrainings", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ModelNotFoundException>(() => Grains.GetGrain<IModelGrain>(third).GetAsync());

        await CancelAllAsync(second, secondVersions);
        var accepted = await Grains.GetGrain<IModelGrain>(third).TrainAsync(Quick(dataset));
        Assert.Equal(1, accepted.Version);
        await CancelAllAsync(first, firstVersions);
        Assert.Equal(TrainingStatus.Succeeded, (await Eventually.TerminalAsync(Grains, third, 1)).Status);
    }

    [Fact]
    public async Task AFitPastItsTimeBudget_EndsFailed_SayingTheTimeLimitWasReached()
    {
        await QueueEmptyAsync();
        var (dataset, model) = await DatasetAsync(3000);
        var grain = Grains.GetGrain<IModelGrain>(model);

        var queued = await grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.FastTree, Parameters: LongFit.Add("timeBudgetSeconds", 1)));
        var done = await Eventually.TerminalAsync(Grains, model, queued.Version, TimeSpan.FromSeconds(120));

        Assert.Equal(TrainingStatus.Failed, done.Status);
        Assert.Contains("the time limit of 1 s reached", done.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSameIdempotencyKey_WithTheSameRequest_ReturnsTheFirstVersion_AndWithAnotherRequest_IsRefused()
    {
        var (dataset, model) = await DatasetAsync();
        var grain = Grains.GetGrain<IModelGrain>(model);

        var first = await grain.TrainAsync(Quick(dataset) with { IdempotencyKey = "retry-1" });
        await Eventually.TerminalAsync(Grains, model, first.Version);
        var again = await grain.TrainAsync(Quick(dataset) with { IdempotencyKey = "retry-1" });
        var conflict = await Assert.ThrowsAsync<IdempotencyConflictException>(() => grain.TrainAsync(Quick(dataset) with { Seed = 7, IdempotencyKey = "retry-1" }));
        var fresh = await grain.TrainAsync(Quick(dataset) with { IdempotencyKey = "retry-2" });

        Assert.Equal((1, TrainingStatus.Succeeded), (again.Version, again.Status));
        Assert.Contains("Idempotency key 'retry-1' was used", conflict.Message, StringComparison.Ordinal);
        Assert.Contains("it created version 1", conflict.Message, StringComparison.Ordinal);
        Assert.Equal(2, fresh.Version);
        await Eventually.TerminalAsync(Grains, model, fresh.Version);
    }

    [Fact]
    public async Task TenConcurrentIdenticalRequests_WithOneKey_CreateOneVersion()
    {
        var (dataset, model) = await DatasetAsync();
        var grain = Grains.GetGrain<IModelGrain>(model);

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => grain.TrainAsync(Quick(dataset) with { IdempotencyKey = "once" })));

        Assert.All(answers, a => Assert.Equal(1, a.Version));
        Assert.Single((await grain.GetAsync()).Versions);
        await Eventually.TerminalAsync(Grains, model, 1);
    }

    [Fact]
    public async Task IdempotencyKeys_BeyondTheMostKept_AreForgottenOldestFirst()
    {
        var (dataset, model) = await DatasetAsync();
        var grain = Grains.GetGrain<IModelGrain>(model);
        for (var i = 1; i <= LimitsFixture.IdempotencyKeys + 1; i++)
        {
            var version = await grain.TrainAsync(Quick(dataset) with { IdempotencyKey = $"key-{i}" });
            await Eventually.TerminalAsync(Grains, model, version.Version);
        }

        var newest = await grain.TrainAsync(Quick(dataset) with { IdempotencyKey = $"key-{LimitsFixture.IdempotencyKeys + 1}" });
        var forgotten = await grain.TrainAsync(Quick(dataset) with { IdempotencyKey = "key-1" });

        Assert.Equal(LimitsFixture.IdempotencyKeys + 1, newest.Version);
        Assert.Equal(LimitsFixture.IdempotencyKeys + 2, forgotten.Version);
        await Eventually.TerminalAsync(Grains, model, forgotten.Version);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    public async Task AMalformedIdempotencyKey_IsRejected_BeforeAnythingIsAllocated(string key)
    {
        var (dataset, model) = await DatasetAsync();

        var error = await Assert.ThrowsAsync<InvalidTrainingRequestException>(() => Grains.GetGrain<IModelGrain>(model).TrainAsync(Quick(dataset) with { IdempotencyKey = key }));

        Assert.Contains("The idempotency key must be 1-200 printable ASCII characters", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ModelNotFoundException>(() => Grains.GetGrain<IModelGrain>(model).GetAsync());
    }

    [Fact]
    public async Task AnAliasReason_AtTheLengthLimit_IsAccepted_AndOneCharacterLonger_IsRejected()
    {
        var (model, grain) = await TrainedAsync(1);

        var accepted = await grain.SetAliasAsync("staging", 1, new string('r', LimitsFixture.ReasonLength));
        var error = await Assert.ThrowsAsync<InvalidAliasChangeException>(() => grain.SetAliasAsync("canary", 1, new string('r', LimitsFixture.ReasonLength + 1)));
        var rollback = await Assert.ThrowsAsync<InvalidAliasChangeException>(() => grain.RollbackAliasAsync("staging", new string('r', LimitsFixture.ReasonLength + 1)));

        Assert.Equal(LimitsFixture.ReasonLength, accepted.Change.Reason!.Length);
        Assert.Contains($"reason has {LimitsFixture.ReasonLength + 1} characters; at most {LimitsFixture.ReasonLength} are allowed (OrleansMl__MaxAliasReasonLength)", error.Message, StringComparison.Ordinal);
        Assert.Contains("OrleansMl__MaxAliasReasonLength", rollback.Message, StringComparison.Ordinal);
        Assert.Equal(["staging"], (await grain.GetAsync()).Aliases.Keys);
        Assert.NotNull(model);
    }

    [Fact]
    public async Task AliasesPerModel_UpToTheLimit_AreCreated_AndANewOneBeyond_IsRefused_WhileMovingOneStillWorks()
    {
        var (_, grain) = await TrainedAsync(2);
        for (var i = 0; i < LimitsFixture.Aliases; i++)
        {
            await grain.SetAliasAsync($"alias-{i}", 1);
        }

        var refused = await Assert.ThrowsAsync<TooManyAliasesException>(() => grain.SetAliasAsync("one-too-many", 1));
        var moved = await grain.SetAliasAsync("alias-0", 2);

        Assert.Contains($"already has {LimitsFixture.Aliases} aliases", refused.Message, StringComparison.Ordinal);
        Assert.Contains("OrleansMl__MaxAliasesPerModel", refused.Message, StringComparison.Ordinal);
        Assert.Equal(2, moved.Version);
        Assert.Equal(LimitsFixture.Aliases, (await grain.GetAsync()).Aliases.Count);
    }

    [Fact]
    public async Task TheAliasHistory_AndEachRollbackStack_KeepTheNewestEntriesOnly()
    {
        var (_, grain) = await TrainedAsync(2);
        for (var i = 0; i < LimitsFixture.History + 3; i++)
        {
            await grain.SetAliasAsync(ModelAliases.Production, 1 + (i % 2), $"change {i}");
        }

        var info = await grain.GetAsync();
        var rollbacks = 0;
        try
        {
            while (true)
            {
                await grain.RollbackAliasAsync(ModelAliases.Production);
                rollbacks++;
            }
        }
        catch (RollbackUnavailableException)
        {
            // The stack is exhausted.
        }

        Assert.Equal(LimitsFixture.History, info.AliasHistory.Length);
        Assert.Equal($"change {LimitsFixture.History + 2}", info.AliasHistory[^1].Reason);
        Assert.Equal("change 3", info.AliasHistory[0].Reason);
        Assert.Equal(LimitsFixture.History, rollbacks);
    }

    private static TrainingRequest Quick(string dataset) => new(dataset, null, "label", Algorithm: TrainingAlgorithm.Linear);

    private static TrainingRequest Long(string dataset) => new(dataset, null, "label", Algorithm: TrainingAlgorithm.FastTree, Parameters: LongFit);

    private async Task<(string Model, IModelGrain Grain)> TrainedAsync(int versions)
    {
        var (dataset, model) = await DatasetAsync();
        var grain = Grains.GetGrain<IModelGrain>(model);
        for (var i = 0; i < versions; i++)
        {
            var queued = await grain.TrainAsync(Quick(dataset) with { Seed = i });
            Assert.Equal(TrainingStatus.Succeeded, (await Eventually.TerminalAsync(Grains, model, queued.Version)).Status);
        }

        return (model, grain);
    }

    private async Task CancelAllAsync(string model, IEnumerable<int> versions)
    {
        foreach (var version in versions)
        {
            await Grains.GetGrain<IModelGrain>(model).CancelAsync(version);
        }

        await Eventually.GetAsync(() => Grains.GetGrain<IModelVersionListener>(model).GetPendingAsync(), p => p.IsEmpty, what: "the registry to note the ends");
    }

    [Fact]
    public async Task ACsvRowPastTheParsersLimit_IsRefusedNamingItsLine_InAnUploadAndInAnAppend_CreatingNothing()
    {
        var (dataset, _) = await DatasetAsync(rows: 50);
        var fresh = TestData.Name("lim-row");
        var longRow = $"7,0.5,0.5,{new string('r', 17_000_000)},yes\n";

        var upload = await Assert.ThrowsAsync<InvalidDatasetException>(() => Grains.UploadDatasetAsync(fresh, "id,x1,x2,color,label\n1,0.1,0.2,red,no\n" + longRow));
        var append = await Assert.ThrowsAsync<InvalidDatasetException>(() => Grains.AppendRowsAsync(dataset, "id,x1,x2,color,label\n" + longRow, RowsFormat.Csv));
        var unclosed = await Assert.ThrowsAsync<InvalidDatasetException>(() => Grains.UploadDatasetAsync(fresh, "a\n\"" + new string('x', 17_000_000)));

        Assert.Contains("The row that starts on line 3 is too long: it does not fit in the 16,777,216 characters (16 MiB)", upload.Message, StringComparison.Ordinal);
        Assert.Contains("The row that starts on line 2 is too long: it does not fit in the 16,777,216 characters (16 MiB)", append.Message, StringComparison.Ordinal);
        Assert.Contains("The quote opened on line 2 is never closed", unclosed.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<DatasetNotFoundException>(() => Grains.GetGrain<IDatasetGrain>(fresh).GetAsync());
        Assert.Single((await Grains.GetGrain<IDatasetGrain>(dataset).GetAsync()).Versions);
    }

    /// <summary>Jobs of an earlier test have all been noted, so the cluster's count starts at zero.</summary>
    private Task<int> QueueEmptyAsync() =>
        Eventually.GetAsync(() => Grains.GetGrain<ITrainingQueueGrain>(ITrainingQueueGrain.Key).GetCountAsync(), c => c == 0, TimeSpan.FromSeconds(60), "the cluster's training queue to be empty");

    private async Task<(string Dataset, string Model)> DatasetAsync(int rows = 300)
    {
        var (dataset, model) = (TestData.Name("lim-ds"), TestData.Name("lim-m"));
        await Grains.UploadDatasetAsync(dataset, TestData.Binary(rows));
        return (dataset, model);
    }
}
